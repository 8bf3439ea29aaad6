import RebateEngine

/// Makes realistic full-year datasets, deterministically, for tests and benchmarks.
///
/// Realistic because uniform random data lies about speed: partner volume is
/// Zipf-skewed (the top 1% of partners buy about half), a quarter of the
/// partners form buying groups, categories alternate high and low margins,
/// four products in five ship by the pallet and many lines are full
/// pallets, one product in ten sells fractional quantities, prices are fixed
/// per product, the year has seasons and quiet weekends, about 3% of lines
/// are returns and 1% price adjustments, and a few partners game tiers at
/// quarter end. Agreement thresholds come from the expected volumes, so
/// tiers are crossed during the year.
///
/// Every number is an integer: the same seed gives the same bytes on any
/// machine and any thread count.
public struct DatasetGenerator: Sendable {
    /// What to generate.
    public struct Configuration: Sendable {
        public var lines: Int
        public var partners: Int
        public var products: Int
        public var year: Int
        public var seed: UInt64
        /// Share of transaction lines replaced by malformed ones, in parts per million.
        public var badLinesPerMillion: Int
        /// Multiplies the number of agreements per partner (1, 4, 16 ... for scaling studies).
        public var agreementDensity: Int
        /// SPEC v3 section 10: a year of lines before `year` too, and growth agreements over it.
        public var priorYear = false
        /// SPEC v3 section 11: currencies some partners are invoiced in (with `rates.csv`).
        public var currencies: [ListedCurrency] = []
        /// SPEC v3 section 12: some agreements paid on claim, and `claims.csv` beside the dataset.
        public var claims = false
        /// This generator makes the prior year of another: line ids start with `Y`, and partners keep a
        /// share of their lines by class (new, growing, flat, shrinking).
        var isPriorYear = false

        /// Creates a configuration; partners and products default from the line count.
        public init(
            lines: Int, partners: Int? = nil, products: Int? = nil, year: Int = 2026, seed: UInt64 = 1,
            badLinesPerMillion: Int = 0, agreementDensity: Int = 1
        ) {
            self.lines = max(0, lines)
            self.partners = max(4, partners ?? max(40, min(50_000, lines / 2_000)))
            self.products = max(8, products ?? max(40, min(20_000, lines / 5_000)))
            self.year = year
            self.seed = seed
            self.badLinesPerMillion = max(0, min(1_000_000, badLinesPerMillion))
            self.agreementDensity = max(1, agreementDensity)
        }

        /// The named presets: small (10 thousand lines), medium (10 million), large (100 million), huge (1 billion),
        /// and v3 (medium with every v3 feature).
        public static func preset(_ name: String) -> Configuration? {
            switch name {
            case "small": return Configuration(lines: 10_000)
            case "medium": return Configuration(lines: 10_000_000)
            case "large": return Configuration(lines: 100_000_000)
            case "huge": return Configuration(lines: 1_000_000_000)
            case "v3":
                // Every v3 feature at the medium size: two years of lines, growth agreements, lines in
                // USD and JPY, agreements paid on claim and their claims.
                var c = Configuration(lines: 10_000_000)
                c.priorYear = true
                c.currencies = [ListedCurrency(code: "USD", decimals: 2), ListedCurrency(code: "JPY", decimals: 0)]
                c.claims = true
                return c
            default: return nil
            }
        }
    }

    public let configuration: Configuration
    /// Master data and agreements, generated up front (they are small).
    public let partners: [Partner]
    public let products: [Product]
    public private(set) var agreements: AgreementSet

    /// Unit price in minor units (2 decimals) and whether quantities are fractional, per product.
    let unitPrice: [Int64]
    let fractional: [Bool]
    /// Each product's pallet quantity in milli-units (0: none), apart from the `Product` values so
    /// the line loop does not copy a struct of strings (and retain them) for one number.
    let palletOfProduct: [Int64]
    /// Zipf weights: partner `p` draws lines in proportion to 2^32 / (p + 1).
    let partnerCumulative: [UInt64]
    let partnerWeightTotal: UInt64
    /// Each partner buys from a window of the catalogue starting here.
    let windowStart: [Int32]
    static let windowSize = 40
    /// Cumulative day weights over the year (seasons, quiet weekends).
    let dayCumulative: [UInt64]
    let firstDay: CivilDate
    let daysInYear: Int
    /// Partners that buy big at quarter end and return it after.
    let gamers: [Int32]
    let categories: Int

    /// Lines generated per independent chunk (each chunk has its own random stream).
    public static let linesPerChunk = 1 << 16

    /// Builds master data and agreements for the configuration.
    public init(_ c: Configuration) {
        configuration = c
        var rng = SplitMix64(seed: c.seed, stream: 1, chunk: 0)
        var partners: [Partner] = []
        var groupCount = 0
        var i = 0
        while i < c.partners {
            if rng.below(4) == 0 {
                groupCount += 1
                let size = 3 + rng.below(6)
                for _ in 0..<size where i < c.partners {
                    partners.append(
                        Partner(id: Self.id("P", i, 6), name: "Partner \(i)", groupID: Self.id("G", groupCount, 4)))
                    i += 1
                }
            } else {
                partners.append(
                    Partner(id: Self.id("P", i, 6), name: i % 7 == 0 ? "Partner \(i), Ltd" : "Partner \(i)"))
                i += 1
            }
        }
        categories = max(4, c.products / 50)
        var products: [Product] = []
        var price: [Int64] = []
        var fractional: [Bool] = []
        let palletSizes: [Int64] = [
            10_000, 12_000, 20_000, 24_000, 40_000, 48_000, 50_000, 100_000, 120_000, 200_000, 2_500, 62_500,
        ]
        for k in 0..<c.products {
            let category = k % categories
            let frac = rng.below(10) == 0
            let pallet = rng.below(5) == 0 ? 0 : palletSizes[rng.below(palletSizes.count)]
            products.append(
                Product(
                    id: Self.id("SKU-", k, 5), name: "Product \(k)", category: Self.id("C", category, 3),
                    palletQuantity: pallet == 0 ? nil : Quantity(milliUnits: pallet)))
            let base: Int64 = category % 2 == 1 ? 2_000 : 300 // odd categories: high margin, dearer
            price.append(base + Int64(rng.below(Int(base) * 20)))
            fractional.append(frac)
        }
        self.partners = partners
        self.products = products
        palletOfProduct = products.map(\.palletQuantity)
        unitPrice = price
        self.fractional = fractional
        windowStart = (0..<partners.count).map { _ in Int32(rng.below(c.products)) }

        var cumulative: [UInt64] = []
        var total: UInt64 = 0
        for p in 0..<partners.count {
            total += (1 << 32) / UInt64(p + 1)
            cumulative.append(total)
        }
        partnerCumulative = cumulative
        partnerWeightTotal = total

        firstDay = CivilDate(year: c.year, month: 1, day: 1)!
        daysInYear = Int(CivilDate(year: c.year + 1, month: 1, day: 1)!.dayNumber - firstDay.dayNumber)
        let monthWeight: [UInt64] = [8, 9, 11, 12, 12, 10, 9, 6, 11, 12, 11, 9]
        var dayTotal: UInt64 = 0
        var days: [UInt64] = []
        for d in 0..<daysInYear {
            let date = firstDay.adding(days: d)
            let weekday = (Int(date.dayNumber) % 7 + 7 + 4) % 7 // 0 = Sunday
            dayTotal += monthWeight[date.components.month - 1] * (weekday == 0 || weekday == 6 ? 2 : 10)
            days.append(dayTotal)
        }
        dayCumulative = days
        gamers = [1, 4, 9, 16].filter { $0 < partners.count }.map { Int32($0) }
        agreements = AgreementSet(currency: "EUR", decimals: 2, agreements: [])
        agreements = AgreementSet(currency: "EUR", decimals: 2, agreements: makeAgreements(rng: &rng))
        agreements.currencies = c.currencies
        if c.priorYear { agreements.agreements += makeGrowthAgreements() }
        if c.claims {
            // Every fifth agreement without growth is paid on claim.
            for i in agreements.agreements.indices where i % 5 == 2 && agreements.agreements[i].growth == nil {
                agreements.agreements[i].payment = .onClaim
            }
        }
    }

    static func id(_ prefix: String, _ n: Int, _ width: Int) -> String {
        let s = String(n)
        return prefix + String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// The products partner `p` buys.
    func window(_ p: Int) -> [Int] {
        (0..<min(Self.windowSize, products.count)).map { (Int(windowStart[p]) + $0) % products.count }
    }

    /// Expected lines of partner `p` over the year.
    func expectedLines(_ p: Int) -> Int64 {
        let w = (1 << 32) / UInt64(p + 1)
        return Int64(UInt128(configuration.lines) * UInt128(w) / UInt128(partnerWeightTotal))
    }
}
