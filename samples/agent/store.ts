/**
 * The shop's orders, in memory. Every case (and every repetition of it) gets a store of its own,
 * made on first use: a refund issued in one case is never seen by another, however many cases run
 * at once, while the turns of one conversation share theirs.
 */

/** "Today" for the refund policy: fixed, so the sample gives the same answers any day. */
export const TODAY = '2025-11-20';

/** Refunds are issued within this many days of delivery. */
export const REFUND_WINDOW_DAYS = 30;

/** Larger refunds are not issued by the agent: they go to a specialist (escalate). */
export const MAX_AGENT_REFUND = 300;

export interface OrderItem {
  name: string;
  price: number;
}

export interface Order {
  orderId: string;
  email: string;
  items: OrderItem[];
  total: number;
  status: 'processing' | 'shipped' | 'delivered' | 'cancelled';
  /** When it shipped, and when it should arrive (shipped orders). */
  shippedOn?: string;
  expectedDelivery?: string;
  deliveredOn?: string;
  /** Dollars refunded so far. */
  refunded: number;
}

const ORDERS: readonly Order[] = [
  { orderId: 'A1001', email: 'ana@example.com', items: [{ name: 'Espresso machine', price: 249 }], total: 249, status: 'delivered', deliveredOn: '2025-11-10', refunded: 0 },
  { orderId: 'A1002', email: 'ana@example.com', items: [{ name: 'Milk frother', price: 39 }], total: 39, status: 'shipped', shippedOn: '2025-11-18', expectedDelivery: '2025-11-22', refunded: 0 },
  { orderId: 'B2001', email: 'ben@example.com', items: [{ name: 'Coffee grinder', price: 89 }], total: 89, status: 'delivered', deliveredOn: '2025-09-01', refunded: 0 },
  { orderId: 'B2002', email: 'ben@example.com', items: [{ name: 'Descaler', price: 12 }], total: 12, status: 'cancelled', refunded: 0 },
  { orderId: 'C3001', email: 'cara@example.com', items: [{ name: 'Kettle', price: 59 }], total: 59, status: 'delivered', deliveredOn: '2025-11-15', refunded: 59 },
  { orderId: 'C3002', email: 'cara@example.com', items: [{ name: 'Coffee beans, 1 kg', price: 24 }], total: 24, status: 'processing', refunded: 0 },
  { orderId: 'D4001', email: 'dan@example.com', items: [{ name: 'Cups, set of 6', price: 30 }], total: 30, status: 'delivered', deliveredOn: '2025-11-12', refunded: 0 },
  { orderId: 'E5001', email: 'eve@example.com', items: [{ name: 'Espresso bundle', price: 1299 }], total: 1299, status: 'delivered', deliveredOn: '2025-11-05', refunded: 0 },
];

/** Refusals a customer may get: a tool throws them, and the model is told the message. */
export class PolicyError extends Error {}

export class Store {
  private readonly orders = new Map(ORDERS.map((order) => [order.orderId, { ...order, items: order.items.map((item) => ({ ...item })) }]));
  private refunds = 0;
  private tickets = 0;

  order(orderId: string): Order {
    const order = this.orders.get(orderId.trim().toUpperCase());
    if (!order) throw new Error(`no order ${orderId}`);
    return order;
  }

  ordersOf(email: string): Order[] {
    return [...this.orders.values()].filter((order) => order.email === email.trim().toLowerCase());
  }

  /** Refunds part of an order, within the policy. */
  refund(orderId: string, amount: number): { refundId: string; orderId: string; amount: number; refundedInAll: number } {
    const order = this.order(orderId);
    if (order.status !== 'delivered') throw new PolicyError(`order ${order.orderId} is ${order.status}: only delivered orders can be refunded`);
    const days = (Date.parse(TODAY) - Date.parse(order.deliveredOn!)) / 86_400_000;
    if (days > REFUND_WINDOW_DAYS) throw new PolicyError(`order ${order.orderId} was delivered ${days} days ago, more than the ${REFUND_WINDOW_DAYS}-day refund window`);
    const left = order.total - order.refunded;
    if (left <= 0) throw new PolicyError(`order ${order.orderId} has been refunded in full already`);
    if (amount > left) throw new PolicyError(`at most $${left} of order ${order.orderId} can be refunded`);
    if (amount > MAX_AGENT_REFUND) throw new PolicyError(`refunds over $${MAX_AGENT_REFUND} need a specialist: escalate instead`);
    order.refunded += amount;
    return { refundId: `R-${order.orderId}-${++this.refunds}`, orderId: order.orderId, amount, refundedInAll: order.refunded };
  }

  escalate(): string {
    return `T-${1000 + ++this.tickets}`;
  }
}

const stores = new WeakMap<object, Map<number, Store>>();

/** The store of a case and repetition (the turns of a conversation share it). */
export function storeFor(ctx: { readonly case: object; readonly repeat: number }): Store {
  let byRepeat = stores.get(ctx.case);
  if (!byRepeat) stores.set(ctx.case, (byRepeat = new Map()));
  let store = byRepeat.get(ctx.repeat);
  if (!store) byRepeat.set(ctx.repeat, (store = new Store()));
  return store;
}
