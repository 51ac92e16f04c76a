// What a mid-size general hospital charges for, and when its patients pay: the raw material of a simulated day.
// Amounts are integer cents (分) drawn by the seeded source and turned into Money; never float money.

/** Registration fees (挂号费) in cents with how often each is chosen. */
export const REGISTRATION_FEES: Readonly<Record<string, number>> = {
  '500': 6, // 普通门诊 (ordinary)
  '1000': 10,
  '1500': 6,
  '2000': 8,
  '2500': 4,
  '3000': 5, // 副主任医师
  '5000': 4, // 主任医师
  '10000': 1.5, // 知名专家
  '30000': 0.5, // 特需门诊
};

export const DEPARTMENTS = [
  ['DEP-CARD', '心内科'],
  ['DEP-RESP', '呼吸内科'],
  ['DEP-GAST', '消化内科'],
  ['DEP-PEDS', '儿科'],
  ['DEP-GYN', '妇科'],
  ['DEP-ORTH', '骨科'],
  ['DEP-DERM', '皮肤科'],
  ['DEP-OPHT', '眼科'],
  ['DEP-ENT', '耳鼻喉科'],
  ['DEP-ENDO', '内分泌科'],
  ['DEP-NEUR', '神经内科'],
  ['DEP-STOM', '口腔科'],
] as const;

/** Outpatient charge items (门诊收费项目): name and price range in cents. */
export const CHARGE_ITEMS: readonly { code: string; name: string; min: number; max: number }[] = [
  { code: 'RX', name: '西药', min: 350, max: 38_000 },
  { code: 'TCM', name: '中成药', min: 1_200, max: 26_000 },
  { code: 'HERB', name: '中草药', min: 2_000, max: 45_000 },
  { code: 'LAB', name: '检验费', min: 800, max: 26_000 },
  { code: 'CT', name: 'CT检查', min: 18_000, max: 68_000 },
  { code: 'US', name: '彩超检查', min: 6_000, max: 32_000 },
  { code: 'XR', name: 'X线摄片', min: 4_500, max: 16_000 },
  { code: 'ECG', name: '心电图', min: 2_500, max: 4_500 },
  { code: 'TRT', name: '治疗费', min: 1_500, max: 30_000 },
  { code: 'MAT', name: '卫生材料', min: 200, max: 5_000 },
  { code: 'INJ', name: '注射费', min: 300, max: 2_500 },
];

/** How many charge items one outpatient payment carries, and how often. */
export const CHARGE_ITEM_COUNTS: Readonly<Record<string, number>> = {
  '1': 30,
  '2': 26,
  '3': 18,
  '4': 11,
  '5': 7,
  '6': 4,
  '7': 2,
  '8': 2,
};

/** Pre-deposit top-ups (住院预交金) in cents. */
export const DEPOSIT_AMOUNTS: Readonly<Record<string, number>> = {
  '50000': 3,
  '100000': 8,
  '200000': 10,
  '300000': 6,
  '500000': 5,
  '1000000': 2,
  '2000000': 0.5,
};

/**
 * Relative activity per local hour: online booking and self-service around the clock, the outpatient morning
 * peak (08:00–11:00), the afternoon clinic, quiet evenings.
 */
export const HOURLY_ACTIVITY: readonly number[] = [
  0.25, 0.12, 0.08, 0.06, 0.06, 0.1, 0.5, 3, 9, 10, 9, 6, 2.5, 4, 8, 7, 5, 2.5, 1.2, 1, 0.9, 0.7, 0.5, 0.35,
];

/** Deposits are taken at the admission desk in its opening hours. */
export const DEPOSIT_HOURS: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0, 0.5, 6, 8, 8, 6, 3, 4, 7, 7, 6, 4, 2, 1, 0.5, 0, 0, 0,
];
