/// Lines in other currencies (SPEC v3 section 11): the listed currencies, `rates.csv`, and the
/// conversion of a line's amount into the book currency.
///
/// Everything about currencies is in this folder; the CSV reader calls ``ExchangeRates/bookAmount``
/// once per foreign line, with the rate found by ``ExchangeRates/rate(currency:day:)`` in O(1).

/// A currency that lines may be invoiced in besides the book currency.
public struct ListedCurrency: Hashable, Sendable {
    /// The 3-letter upper-case code.
    public var code: String
    /// Its minor-unit digits, 0 to 6: the most decimals an `amount` in it may have.
    public var decimals: Int

    /// Creates a listed currency.
    public init(code: String, decimals: Int) {
        self.code = code
        self.decimals = decimals
    }
}

/// Why a rate as written is refused (`"is not a plain decimal"`, `"must be more than 0"`).
struct RateProblem: Error {
    var reason: String
}

/// An exchange rate: book-currency units one unit of a currency is worth, exactly, in 10^-10 units.
public struct ExchangeRate: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The rate times 10^10.
    public var scaled: Int64

    /// Ten fraction digits are what SPEC section 11 allows.
    public static let scale = 10
    /// Rates are below 10^8 (so that `amount × rate` stays well inside `Int128`).
    public static let integerDigits = 8

    /// A rate of `scaled` / 10^10.
    public init(scaled: Int64) { self.scaled = scaled }

    /// The rate 1.
    public static let one = ExchangeRate(scaled: 10_000_000_000)

    /// The rate as `rates.csv` writes it: a plain decimal of at most 10 places (`0.9183`).
    public var description: String { DecimalText.plain(Int128(scaled), scale: Self.scale) }

    public static func < (a: ExchangeRate, b: ExchangeRate) -> Bool { a.scaled < b.scaled }

    /// Parses a rate as written (`1.0825`): digits, an optional point and at most 10 fraction digits, above 0.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Result<ExchangeRate, RateProblem> {
        // A sign is no part of a rate: "-2" is not a rate at all, rather than one that is too small.
        if start < end, b[start] == UInt8(ascii: "-") { return .failure(RateProblem(reason: "is not a plain decimal")) }
        switch DecimalText.parse(
            b, from: start, to: end, maxFraction: scale, scale: scale, maxInteger: integerDigits)
        {
        case .success(let value):
            guard value > 0 else { return .failure(RateProblem(reason: "must be more than 0")) }
            return .success(ExchangeRate(scaled: value))
        case .failure(.syntax): return .failure(RateProblem(reason: "is not a plain decimal"))
        case .failure(.tooManyDecimals): return .failure(RateProblem(reason: "has more than \(scale) decimal places"))
        case .failure(.tooLarge): return .failure(RateProblem(reason: "is 10^\(integerDigits) or more"))
        }
    }

    static func parse(_ text: String) -> Result<ExchangeRate, RateProblem> {
        var text = text
        return text.withUTF8 { parse($0, 0, $0.count) }
    }
}

/// The listed currencies and their daily rates (from `rates.csv`): a typed rate table on the dataset.
public struct ExchangeRates: Sendable, Hashable {
    /// The listed currencies, in the order `agreements.json` lists them; a line's currency index is
    /// its position here plus one (0 is the book currency).
    public private(set) var currencies: [ListedCurrency] = []
    /// Each currency's rates as given, ascending by day: (day number, rate).
    public private(set) var given: [[(day: Int32, rate: ExchangeRate)]] = []
    /// Each currency's first rated day, and the rate holding on every day from it to its last rate.
    private var firstDay: [Int32] = []
    private var daily: [[ExchangeRate]] = []

    /// No currencies besides the book currency.
    public init() {}

    /// A table from values: each listed currency's rates by date (dates must not repeat).
    public init(currencies: [ListedCurrency], rates: [String: [(CivilDate, ExchangeRate)]]) {
        self.currencies = currencies
        for c in currencies {
            let sorted = (rates[c.code] ?? []).map { (day: $0.0.dayNumber, rate: $0.1) }.sorted { $0.day < $1.day }
            given.append(sorted)
            var days: [ExchangeRate] = []
            if let first = sorted.first {
                days.reserveCapacity(Int(sorted.last!.day - first.day) + 1)
                for (k, r) in sorted.enumerated() {
                    let until = k + 1 < sorted.count ? sorted[k + 1].day : r.day + 1
                    for _ in r.day..<until { days.append(r.rate) }
                }
            }
            firstDay.append(sorted.first?.day ?? Int32.max)
            daily.append(days)
        }
    }

    public static func == (a: ExchangeRates, b: ExchangeRates) -> Bool { a.fingerprint == b.fingerprint }
    public func hash(into h: inout Hasher) { h.combine(fingerprint) }

    /// The index (1-based; 0 is the book currency) of a listed currency's code, or `nil`.
    func index(of code: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        outer: for (k, c) in currencies.enumerated() {
            let u = c.code.utf8
            guard u.count == end - start else { continue }
            for (j, byte) in u.enumerated() where code[start + j] != byte { continue outer }
            return k + 1
        }
        return nil
    }

    /// The rate holding on `day` for the currency at `index` (1-based): its latest rate dated on or
    /// before `day`; `nil` before its first rate.
    /// - Complexity: O(1).
    public func rate(currency index: Int, day: Int32) -> ExchangeRate? {
        let k = index - 1
        guard day >= firstDay[k] else { return nil }
        let offset = Int(day - firstDay[k])
        return offset < daily[k].count ? daily[k][offset] : daily[k].last
    }

    /// A line's book amount (SPEC section 11): `amount × rate`, rounded half away from zero to the book
    /// currency's minor unit, once.
    /// - Parameters:
    ///   - amount: in the line's currency's minor units (`decimals` digits).
    ///   - bookDecimals: the book currency's digits.
    public static func bookAmount(_ amount: Int64, decimals: Int, rate: ExchangeRate, bookDecimals: Int) -> Int128 {
        // amount/10^d × rate/10^10 in units of 10^-b: divide amount × rate by 10^(d + 10 - b), which is
        // at least 10^4 since d, b ≤ 6. |amount × rate| < 10^18 × 10^18 fits Int128.
        var divisor: Int128 = 1
        for _ in 0..<(decimals + ExchangeRate.scale - bookDecimals) { divisor *= 10 }
        return DecimalText.roundedQuotient(Int128(amount) * Int128(rate.scaled), divisor)
    }

    /// Why a line could not be converted.
    enum ConversionProblem: Error {
        /// No rate of its own, and its date is before its currency's first rate.
        case noRate
        /// The book amount is 10^12 or more (SPEC section 1's limit holds for it too).
        case tooLarge
    }

    /// A line's book amount in minor units: `amount` (minor units of the listed currency at `index`) at
    /// `ownRate`, or else at the rate holding on `day`; the one conversion the reader and `explain` make.
    func convert(_ amount: Int64, currency index: Int, day: Int32, ownRate: ExchangeRate? = nil, bookDecimals: Int)
        -> Result<Int64, ConversionProblem>
    {
        guard let rate = ownRate ?? self.rate(currency: index, day: day) else { return .failure(.noRate) }
        let book = Self.bookAmount(
            amount, decimals: currencies[index - 1].decimals, rate: rate, bookDecimals: bookDecimals)
        let limit = UInt128(TransactionCSVReader.magnitudeLimitUnits) * UInt128(DecimalText.powersOfTen[bookDecimals])
        return book.magnitude < limit ? .success(Int64(book)) : .failure(.tooLarge)
    }

    /// Identifies the table (currencies, decimals and every rate), for files that keep book amounts.
    var fingerprint: UInt64 {
        var f = Fingerprint()
        for (k, c) in currencies.enumerated() {
            f.add(Array("\(c.code):\(c.decimals)".utf8))
            for g in given[k] { f.add(Array("\(g.day)=\(g.rate.scaled)".utf8)) }
        }
        return f.value
    }
}

/// Reads `rates.csv` (SPEC section 11): every bad row named at once.
enum RatesFile {
    static let fileName = "rates.csv"
    static let columns = ["currency", "date", "rate"]

    /// Parses `rates.csv` for the listed currencies.
    /// - Throws: ``RebateError/invalidInput(_:)`` listing every bad row.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, currencies: [ListedCurrency]) throws(RebateError)
        -> ExchangeRates
    {
        var problems: [InputProblem] = []
        var rates: [String: [(CivilDate, ExchangeRate)]] = [:]
        var seen: [String: Int] = [:]
        let listed = Set(currencies.map(\.code))
        MasterCSV.read(bytes, fileName: fileName, required: columns, problems: &problems) { row in
            let code = row.text("currency") ?? ""
            if !listed.contains(code) {
                row.fail(
                    "currency",
                    "\"\(code)\" is not listed in agreements.json's currencies"
                        + (listed.isEmpty ? " (it lists none)" : " (" + listed.sorted().joined(separator: ", ") + ")"))
            }
            let date = LedgerFile.date(row, "date")
            var rate: ExchangeRate?
            let text = row.text("rate") ?? ""
            switch ExchangeRate.parse(text) {
            case .success(let r): rate = r
            case .failure(let why): row.fail("rate", "\"\(text)\" \(why.reason)")
            }
            if let date {
                let key = code + " " + date.description
                if let first = seen[key] {
                    row.fail("date", "\(code) on \(date) repeats line \(first)")
                    return
                }
                seen[key] = row.line
            }
            guard listed.contains(code), let date, let rate else { return }
            rates[code, default: []].append((date, rate))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        return ExchangeRates(currencies: currencies, rates: rates)
    }
}
