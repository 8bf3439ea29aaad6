/// Growth rebates (SPEC v3 section 10): an agreement's tiers measure how much the period's basis grew
/// over a baseline (the same agreement's basis one year earlier, or a fixed value), not the basis itself.
///
/// Everything about growth is in this folder: the model, the baseline at a day, growth and its
/// formula. The engine's accumulator keeps the prior year's basis per day beside its monthly sums.

/// What a growth agreement's tiers measure against.
public struct Growth: Hashable, Sendable {
    /// Where the baseline comes from.
    public enum Baseline: Hashable, Sendable {
        /// The same agreement's basis one year earlier (29 February becomes 1 March).
        case priorYear
        /// A fixed value for a full calendar period, in basis units (milli for quantity and pallets,
        /// minor units for amount), taken pro rata to the days elapsed.
        case fixed(Int64)

        /// A fixed baseline of money, for an agreement on amount.
        public static func fixed(_ value: Money) -> Baseline { .fixed(value.inputValue) }

        /// A fixed baseline of units (or pallets), for an agreement on quantity or pallets.
        public static func fixed(_ value: Quantity) -> Baseline { .fixed(value.inputValue) }
    }

    /// How growth is measured.
    public enum Measure: String, Hashable, Sendable, CaseIterable {
        /// `(B − B0) / B0 × 100`; tiers' `from` are percentages (scaled by 10^4).
        case percent
        /// `B − B0`; tiers' `from` are in basis units.
        case absolute
    }

    /// What a retroactive tier's value applies to.
    public enum Pays: String, Hashable, Sendable, CaseIterable {
        /// The whole period's volume.
        case total
        /// Only the share of the volume that is growth, `(B − B0) / B`.
        case increment
    }

    public var baseline: Baseline
    public var measure: Measure
    public var pays: Pays

    /// Creates a growth rule.
    public init(baseline: Baseline, measure: Measure, pays: Pays = .total) {
        self.baseline = baseline
        self.measure = measure
        self.pays = pays
    }
}

/// A baseline value `B0` as an exact fraction of basis units (`numerator / denominator`, denominator > 0).
struct BaselineValue: Hashable, Sendable {
    var numerator: Int128
    var denominator: Int128

    /// A negative baseline counts as 0 (SPEC section 10).
    var clamped: BaselineValue { numerator < 0 ? BaselineValue(numerator: 0, denominator: 1) : self }

    /// Rounded half away from zero to whole basis units, for the `baseline` column.
    var rounded: Int128 { DecimalText.roundedQuotient(numerator, denominator) }
}

extension CivilDate {
    /// The same date one year earlier; 29 February becomes 1 March (SPEC section 10).
    var oneYearEarlier: CivilDate {
        let c = components
        let earlier =
            c.month == 2 && c.day == 29
            ? CivilDate(year: c.year - 1, month: 3, day: 1) : CivilDate(year: c.year - 1, month: c.month, day: c.day)
        // Year 1899 is outside the dates lines can carry: any day there holds no line.
        return earlier ?? CivilDate(dayNumber: dayNumber - 365)
    }
}

/// What a growth agreement's row shows (SPEC section 10): the baseline and the growth at the row's day.
public struct GrowthFigures: Hashable, Sendable {
    /// `B0` rounded half away from zero to the basis's unit.
    public var baseline: Volume
    /// `g` rounded half away from zero: a percent (to 10^-4 percent), or a volume of the basis; `nil`
    /// where it is undefined.
    public var growth: TierFigure?
    /// How growth is measured: `growth` is a `.percent` figure for `percent`, a `.volume` otherwise.
    public var measure: Growth.Measure

    /// Creates the figures from their values.
    public init(baseline: Volume, growth: TierFigure?, measure: Growth.Measure) {
        self.baseline = baseline
        self.growth = growth
        self.measure = measure
    }
}

extension GrowthFigures {
    /// The figures from the engine's scaled values: a baseline and growth in `kind`'s units, or growth
    /// in 10^-4 percent for `measure` `percent`.
    init(_ kind: RebateBasis, baseline: Int128, growth: Int128?, measure: Growth.Measure) {
        self.init(
            baseline: Volume(kind, scaled: baseline),
            growth: growth.map {
                measure == .percent ? .percent(tenThousandths: $0) : .volume(Volume(kind, scaled: $0))
            },
            measure: measure)
    }
}

/// The baseline of one growth agreement at any day of its periods (SPEC section 10).
struct GrowthBaselines {
    let growth: Growth
    let periods: [SettlementPeriod]
    let settlement: SettlementFrequency
    let priorFirst: Int32
    /// Prefix sums of the prior year's basis by day: `prefix[i]` is the basis of days `priorFirst ..< priorFirst + i`.
    let prefix: [Int128]

    init(_ accumulator: AgreementAccumulator, _ growth: Growth) {
        let r = accumulator.resolved
        self.growth = growth
        periods = r.periods
        settlement = r.agreement.settlement
        priorFirst = r.priorFirst
        var prefix = [Int128](repeating: 0, count: r.priorDays + 1)
        for d in 0..<r.priorDays { prefix[d + 1] = prefix[d] + accumulator.priorBasis(d) }
        self.prefix = prefix
    }

    /// `B0` at `day` of period `p` (before the clamp at 0).
    func at(period p: Int, day: CivilDate) -> BaselineValue {
        let s = periods[p].start
        switch growth.baseline {
        case .priorYear:
            // The lines dated on or after s' and before (day + 1)'.
            let from = Int(s.oneYearEarlier.dayNumber - priorFirst)
            let to = Int(CivilDate(dayNumber: day.dayNumber + 1).oneYearEarlier.dayNumber - priorFirst)
            let clamp = { (i: Int) in min(max(i, 0), prefix.count - 1) }
            return BaselineValue(numerator: prefix[clamp(to)] - prefix[clamp(from)], denominator: 1)
        case .fixed(let value):
            return Self.fixed(value, period: periods[p], settlement: settlement, day: day)
        }
    }

    /// A fixed baseline pro rata: `value` times the days of `period.start...day` over the days of
    /// the full calendar period holding the period.
    static func fixed(_ value: Int64, period: SettlementPeriod, settlement: SettlementFrequency, day: CivilDate)
        -> BaselineValue
    {
        let s = period.start
        let elapsed = Int128(day.dayNumber - s.dayNumber + 1)
        let full: Int128
        switch settlement {
        case .term: full = Int128(period.days)
        case .month, .quarter, .year:
            let months = settlement == .month ? 1 : settlement == .quarter ? 3 : 12
            let first = s.monthIndex - s.monthIndex % months
            full = Int128(
                CivilDate.lastDay(ofMonthIndex: first + months - 1).dayNumber
                    - CivilDate.firstDay(ofMonthIndex: first).dayNumber + 1)
        }
        return BaselineValue(numerator: Int128(value) * elapsed, denominator: full)
    }
}
