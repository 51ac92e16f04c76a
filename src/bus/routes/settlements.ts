// Channel settlements into the hospital's bank account (the bank feed, or a finance supervisor reading the
// bank statement): the net a channel transferred for one of its days.
import { execute } from '../dispatch.ts';
import { commandRoute } from '../command-route.ts';
import { Channel, RefId } from '../../domain/ids.ts';
import { Money } from '../../domain/money.ts';
import { type SettlementCommand, settlementDecider } from '../../domain/settlement/index.ts';
import { SettlementBody, SettlementResultSchema } from '../schemas.ts';
import type { App, ServerContext } from '../server.ts';

export function settlementRoutes(app: App, ctx: ServerContext): void {
  commandRoute(app, ctx, '/v1/settlements', {
    access: 'supervise',
    tags: ['settlements'],
    summary: "Record a channel's settlement credited to the hospital's bank account (net of its fees)",
    body: SettlementBody,
    status: 201,
    response: SettlementResultSchema,
    command: ({ body, base }): SettlementCommand => ({
      ...base,
      type: 'RecordChannelSettlement',
      channel: Channel(body.channel),
      businessDate: body.businessDate,
      settlementId: RefId(body.settlementId),
      bankAccount: RefId(body.bankAccount),
      amount: Money.parse(body.amount),
    }),
    run: (deps, principal, command, options) => execute(deps, principal, settlementDecider, command, options),
    answer: (result, _input) => ({
      settlementId: [...result.state.settlements.keys()].at(-1) ?? '',
      totalSettled: result.state.totalSettled.toString(),
      version: result.version,
      events: result.events.map((e) => e.type),
    }),
  });
}
