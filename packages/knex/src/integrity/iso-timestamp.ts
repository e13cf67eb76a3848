/** Character codes of the decimal digits, by value. */
const DIGIT = new Uint8Array(10);
for (let i = 0; i < 10; i++) DIGIT[i] = 0x30 + i;

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the four-digit years toISOString writes as such. */
const FIRST_MS = -62_167_219_200_000;
const LAST_MS = 253_402_300_799_999;

/**
 * `new Date(ms).toISOString()` for an integer `ms`, from integer arithmetic: a hashed row has one
 * or two timestamps, and the Date and its formatting cost ~4× this (~400 ns on Node 20). Outside
 * years 0000–9999 (six-digit years) and for a fraction or a value no Date holds, Date decides.
 */
export function isoTimestamp(ms: number): string {
  if (!(ms >= FIRST_MS && ms <= LAST_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  // Days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil, inverted), in 400-year eras
  // that start on March 1st so the leap day is the last of its year.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  // One call with the 24 character codes: a flat string, no concatenation.
  return String.fromCharCode(
    DIGIT[Math.floor(year / 1000)]!,
    DIGIT[Math.floor(year / 100) % 10]!,
    DIGIT[Math.floor(year / 10) % 10]!,
    DIGIT[year % 10]!,
    0x2d, // -
    DIGIT[Math.floor(month / 10)]!,
    DIGIT[month % 10]!,
    0x2d,
    DIGIT[Math.floor(day / 10)]!,
    DIGIT[day % 10]!,
    0x54, // T
    DIGIT[Math.floor(hour / 10)]!,
    DIGIT[hour % 10]!,
    0x3a, // :
    DIGIT[Math.floor(minute / 10)]!,
    DIGIT[minute % 10]!,
    0x3a,
    DIGIT[Math.floor(second / 10)]!,
    DIGIT[second % 10]!,
    0x2e, // .
    DIGIT[Math.floor(milli / 100)]!,
    DIGIT[Math.floor(milli / 10) % 10]!,
    DIGIT[milli % 10]!,
    0x5a, // Z
  );
}
