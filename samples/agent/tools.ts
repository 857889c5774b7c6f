/**
 * The support agent's tools, over the in-memory store (store.ts). Refusals (an unknown order, a
 * refund outside the policy) are thrown: the model gets the message as the call's result and must
 * explain it to the customer.
 */
import { tool } from 'tagliots';
import { z } from 'zod';
import { storeFor } from './store.ts';

export const findOrders = tool({
  name: 'find_orders',
  description: "Lists a customer's orders (id, status, total) by their e-mail address.",
  parameters: z.object({ email: z.string().describe("The customer's e-mail address") }),
  run: ({ email }, ctx) => storeFor(ctx).ordersOf(email).map(({ orderId, status, total }) => ({ orderId, status, total })),
});

export const lookupOrder = tool({
  name: 'lookup_order',
  description: 'Looks an order up by its id: items, total, status, shipping and delivery dates, and what was refunded.',
  parameters: z.object({ orderId: z.string().describe('The order id, e.g. A1001') }),
  run: ({ orderId }, ctx) => storeFor(ctx).order(orderId),
});

export const issueRefund = tool({
  name: 'issue_refund',
  description: 'Refunds an amount of a delivered order, within the refund policy. Fails, saying why, when the policy does not allow it.',
  parameters: z.object({
    orderId: z.string(),
    amount: z.number().positive().describe('US dollars'),
    reason: z.string().optional().describe('Why the customer wants the refund, in a few words'),
  }),
  run: ({ orderId, amount }, ctx) => storeFor(ctx).refund(orderId, amount),
});

export const escalate = tool({
  name: 'escalate',
  description: 'Hands the conversation to a human specialist, with a summary. For requests the agent may not handle itself.',
  parameters: z.object({
    priority: z.enum(['low', 'normal', 'high']),
    orderId: z.string().optional(),
    summary: z.string().optional().describe('What the customer wants, for the specialist'),
  }),
  run: ({ priority }, ctx) => ({ ticketId: storeFor(ctx).escalate(), priority }),
});

/** Every tool of the agent, in the order they are offered to the model. */
export const supportTools = [findOrders, lookupOrder, issueRefund, escalate];
