/** How many reject packets one data path sends: a RateBudget with Linux's ICMP limits. */
import { RateBudget } from '../budget/index.js';

/**
 * Rejects per second one data path (one direction of one thread) may send: Linux's default
 * ICMP rate (net.ipv4.icmp_msgs_per_sec = 1000, Documentation/networking/ip-sysctl.rst).
 */
export const REJECTS_PER_SECOND = 1000;
/** Rejects one data path may send back to back: Linux's net.ipv4.icmp_msgs_burst default (50). */
export const REJECT_BURST = 50;

/** Tokens refilled at REJECTS_PER_SECOND up to REJECT_BURST (or as given); take() spends one. */
export class RejectBudget extends RateBudget {
  constructor(perSecond = REJECTS_PER_SECOND, burst = REJECT_BURST) {
    super(perSecond, burst);
  }
}
