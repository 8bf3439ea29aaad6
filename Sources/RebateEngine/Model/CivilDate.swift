/// A Gregorian calendar day, stored as the number of days since 1970-01-01.
///
/// Day numbers make period arithmetic exact and cheap: the length of a
/// period is a subtraction, and a month lookup is a table index.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before it).
    public var dayNumber: Int32

    /// Creates a date from its day number (days since 1970-01-01).
    public init(dayNumber: Int32) { self.dayNumber = dayNumber }

    /// Creates a date from year, month and day; `nil` when the date does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month) else {
            return nil
        }
        self.dayNumber = Int32(CivilDate.days(year: year, month: month, day: day))
    }

    /// Parses `YYYY-MM-DD` with a year from 1900 to 2999; `nil` for anything else.
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ CivilDate.parse($0[...]) }) else { return nil }
        self = parsed
    }

    /// The year, month and day of this date.
    public var components: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = Int(dayNumber) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Months since January 1900: a dense index for calendar months.
    public var monthIndex: Int {
        let c = components
        return (c.year - 1900) * 12 + (c.month - 1)
    }

    /// The first day of the calendar month with the given ``monthIndex``.
    public static func firstDay(ofMonthIndex index: Int) -> CivilDate {
        let year = 1900 + (index >= 0 ? index / 12 : (index - 11) / 12)
        let month = index - (year - 1900) * 12 + 1
        return CivilDate(dayNumber: Int32(days(year: year, month: month, day: 1)))
    }

    /// The last day of the calendar month with the given ``monthIndex``.
    public static func lastDay(ofMonthIndex index: Int) -> CivilDate {
        CivilDate(dayNumber: firstDay(ofMonthIndex: index + 1).dayNumber - 1)
    }

    /// `YYYY-MM-DD`.
    public var description: String { text(length: 10) }

    /// `YYYY-MM`, the form of the `month` column.
    public var monthText: String { text(length: 7) }

    /// The first `length` characters of `YYYY-MM-DD`, written digit by digit:
    /// output writing formats millions of dates.
    private func text(length: Int) -> String {
        String(unsafeUninitializedCapacity: length) { b in
            writeDigits(length: length, into: UnsafeMutableRawBufferPointer(b))
            return length
        }
    }

    /// Appends `YYYY-MM-DD` to `bytes`, with no `String` between (the CSV writers).
    func appendText(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: 10, alignment: 1) { b in
            writeDigits(length: 10, into: b)
            bytes.append(contentsOf: b)
        }
    }

    /// The one place a date's digits are made: `length` 7 (`YYYY-MM`) or 10 (`YYYY-MM-DD`).
    @inline(__always)
    private func writeDigits(length: Int, into b: UnsafeMutableRawBufferPointer) {
        let c = components
        let y = max(0, min(9999, c.year))
        b[0] = UInt8(48 + y / 1000)
        b[1] = UInt8(48 + y / 100 % 10)
        b[2] = UInt8(48 + y / 10 % 10)
        b[3] = UInt8(48 + y % 10)
        b[4] = UInt8(ascii: "-")
        b[5] = UInt8(48 + c.month / 10)
        b[6] = UInt8(48 + c.month % 10)
        if length == 10 {
            b[7] = UInt8(ascii: "-")
            b[8] = UInt8(48 + c.day / 10)
            b[9] = UInt8(48 + c.day % 10)
        }
    }

    /// Earlier dates order first.
    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }

    /// Adds whole days.
    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + Int32(days)) }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    @inline(__always)
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    @inline(__always)
    static func days(year: Int, month: Int, day: Int) -> Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day number of the first day of every month from January 1900 to January 3000, by
    /// ``monthIndex``: the length of month `m` is `monthStarts[m + 1] - monthStarts[m]`.
    static let monthStarts: [Int32] = (0...(1100 * 12)).map { firstDay(ofMonthIndex: $0).dayNumber }

    /// Parses exactly ten bytes `YYYY-MM-DD`, years 1900...2999.
    @inline(__always)
    static func parse(_ b: Slice<UnsafeBufferPointer<UInt8>>) -> CivilDate? {
        guard b.count == 10, let base = b.base.baseAddress else { return nil }
        return dayNumber(base + b.startIndex, monthStarts: monthStarts).map(CivilDate.init(dayNumber:))
    }

    /// The day number of the ten bytes `YYYY-MM-DD` at `p`, years 1900...2999; `nil` for anything
    /// else (a day the month does not have included). The one date parser: ``parse(_:)`` and the CSV
    /// reader's fused path call it, the latter passing ``monthStarts`` it holds, so a hot loop does
    /// not check a global's initialisation once a line.
    @inline(__always)
    static func dayNumber(_ p: UnsafePointer<UInt8>, monthStarts: [Int32]) -> Int32? {
        @inline(__always) func digit(_ i: Int) -> Int { Int(p[i] &- 48) }
        guard p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
            digit(0) < 10, digit(1) < 10, digit(2) < 10, digit(3) < 10,
            digit(5) < 10, digit(6) < 10, digit(8) < 10, digit(9) < 10
        else { return nil }
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        let month = digit(5) * 10 + digit(6)
        let day = digit(8) * 10 + digit(9)
        guard year >= 1900, year <= 2999, month >= 1, month <= 12, day >= 1 else { return nil }
        let m = (year - 1900) * 12 + month - 1
        let first = monthStarts[m]
        guard day <= Int(monthStarts[m + 1] - first) else { return nil }
        return first + Int32(day - 1)
    }

}
