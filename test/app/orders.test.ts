import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log.ts';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { runDepositCommand } from '../../src/app/deposits.ts';
import { runOrderCommand } from '../../src/app/orders.ts';
import type { AppPorts } from '../../src/app/ports.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import {
  AdmissionId,
  Channel,
  ChannelTxnId,
  HospitalId,
  MaskedRef,
  OrderId,
  PatientId,
  RefId,
} from '../../src/domain/ids.ts';
import { Money } from '../../src/domain/money.ts';
import type { Rejection } from '../../src/domain/rejection.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

const hospitalId = HospitalId('H1');
const actor = { kind: 'bus-client' as const, id: 'kiosk' };
const at = new Date('2024-05-01T02:00:00Z');

describe('order use cases', () => {
  let t: TestDatabase;
  let store: SqlEventStore;
  let ports: AppPorts;
  const reads: string[] = [];

  beforeAll(async () => {
    t = await createPostgresDatabase('app-orders');
    store = new SqlEventStore(t.database, { upcasters: UPCASTERS });
    // The store, noting every stream the use cases read.
    const counted = new Proxy(store, {
      get(target, name) {
        if (name === 'readStream')
          return (stream: string, options?: object) => {
            reads.push(stream);
            return target.readStream(stream as never, options);
          };
        const value = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    ports = { store: counted, db: t.database.db, now: () => at, logger: createLogger({ level: 'silent' }) };
  });
  afterAll(async () => {
    await store?.close();
    await t?.dispose();
  });

  const topUp = (orderId: string, patientId: string, admissionId: string) =>
    runOrderCommand(
      ports,
      {
        type: 'CreateOrder',
        hospitalId,
        orderId: OrderId(orderId),
        patientId: PatientId(patientId),
        amount: Money.parse('100.00'),
        business: { kind: 'deposit', admissionId: AdmissionId(admissionId) },
        at,
        actor,
      },
      { actor },
    );
  const pay = (orderId: string) =>
    runOrderCommand(
      ports,
      {
        type: 'RecordPayment',
        hospitalId,
        orderId: OrderId(orderId),
        channel: Channel('wechat'),
        channelTxnId: ChannelTxnId(`WX-${orderId}`),
        amount: Money.parse('100.00'),
        payerRef: MaskedRef('oUp****xk'),
        attemptId: null,
        at,
        actor,
      },
      { actor },
    );

  it("a top-up's payment is checked against its admission as it stands then, reading the order once", async () => {
    // Two top-up orders for one admission before it has a deposit account: both are accepted.
    await topUp('TOPUP-A', 'P-1', 'ZY-9');
    await topUp('TOPUP-B', 'P-2', 'ZY-9');
    // The first one's payment credits the account, which now belongs to P-1.
    const paid = await pay('TOPUP-A');
    expect(paid.events.map((e) => e.type)).toEqual(['PaymentSucceeded']);
    await runDepositCommand(
      ports,
      {
        type: 'TopUpDeposit',
        hospitalId,
        admissionId: AdmissionId('ZY-9'),
        patientId: PatientId('P-1'),
        orderId: OrderId('TOPUP-A'),
        channel: Channel('wechat'),
        channelTxnId: ChannelTxnId('WX-TOPUP-A'),
        payerRef: MaskedRef('oUp****xk'),
        amount: Money.parse('100.00'),
        at,
        actor,
      },
      { actor },
    );
    reads.length = 0;
    const refused = await pay('TOPUP-B').catch((e: unknown) => e);
    expect((refused as Rejection).code).toBe('DEPOSIT_PATIENT_MISMATCH');
    expect(reads.filter((s) => s === 'H1/order/TOPUP-B')).toHaveLength(1);
    expect(reads.filter((s) => s === 'H1/deposit/ZY-9')).toHaveLength(1);
    expect((await store.readStream('H1/order/TOPUP-B')).version).toBe(1);
  });

  it('a payment on any other order reads nothing but the order', async () => {
    await runOrderCommand(
      ports,
      {
        type: 'CreateOrder',
        hospitalId,
        orderId: OrderId('REG-1'),
        patientId: PatientId('P-3'),
        amount: Money.parse('100.00'),
        business: {
          kind: 'registration',
          mode: 'same-day',
          departmentId: RefId('D01'),
          doctorId: RefId('DR7'),
          slotId: RefId('S1'),
          visitDate: '2024-05-01',
        },
        at,
        actor,
      },
      { actor },
    );
    reads.length = 0;
    await pay('REG-1');
    expect(reads).toEqual(['H1/order/REG-1']);
  });
});
