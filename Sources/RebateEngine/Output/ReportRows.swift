/// One row of `accruals.csv`: an agreement's liability at the end of a month.
public struct AccrualRow: Hashable, Sendable {
    /// The agreement's id.
    public var agreementID: String
    /// The rebate program, for reports.
    public var program: RebateProgram
    /// The partner or buying-group id.
    public var beneficiary: String
    /// The settlement period's first day.
    public var periodStart: CivilDate
    /// The settlement period's last day.
    public var periodEnd: CivilDate
    /// The first day of the calendar month.
    public var month: CivilDate
    /// The period-to-date quantity of the agreement's lines.
    public var quantity: Quantity
    /// The period-to-date amount of the agreement's lines, in book money.
    public var amount: Money
    /// The period-to-date count of whole pallets (a count: no unit to scale).
    public var pallets: Int128
    /// The period-to-date basis, in the unit the agreement's tiers measure.
    public var basis: Volume
    /// The highest tier reached by the actual basis (1-based; 0 for none).
    public var tier: Int
    /// What the period has accrued by the month's end.
    public var accruedToDate: Money
    /// The month's change of `accruedToDate` within its period.
    public var posting: Money
    /// Baseline and growth at the month's day, for a growth agreement (SPEC section 10).
    public var growth: GrowthFigures?

    /// Creates a row from its values.
    public init(
        agreementID: String, program: RebateProgram, beneficiary: String, periodStart: CivilDate, periodEnd: CivilDate,
        month: CivilDate, quantity: Quantity, amount: Money, pallets: Int128, basis: Volume, tier: Int,
        accruedToDate: Money, posting: Money
    ) {
        self.agreementID = agreementID
        self.program = program
        self.beneficiary = beneficiary
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.month = month
        self.quantity = quantity
        self.amount = amount
        self.pallets = pallets
        self.basis = basis
        self.tier = tier
        self.accruedToDate = accruedToDate
        self.posting = posting
    }
}

/// One row of `settlements.csv`: what an ended period earned.
public struct SettlementRow: Hashable, Sendable {
    /// The agreement's id.
    public var agreementID: String
    /// The rebate program, for reports.
    public var program: RebateProgram
    /// The partner or buying-group id.
    public var beneficiary: String
    /// The settlement period's first day.
    public var periodStart: CivilDate
    /// The settlement period's last day.
    public var periodEnd: CivilDate
    /// The period's quantity.
    public var quantity: Quantity
    /// The period's amount, in book money.
    public var amount: Money
    /// The period's count of whole pallets (a count: no unit to scale).
    public var pallets: Int128
    /// The period's basis, in the unit the agreement's tiers measure.
    public var basis: Volume
    /// The highest tier reached by the actual basis (1-based; 0 for none).
    public var tier: Int
    /// What the period earned.
    public var earned: Money
    /// Baseline and growth at the period's end, for a growth agreement (SPEC section 10).
    public var growth: GrowthFigures?

    /// Creates a row from its values.
    public init(
        agreementID: String, program: RebateProgram, beneficiary: String, periodStart: CivilDate, periodEnd: CivilDate,
        quantity: Quantity, amount: Money, pallets: Int128, basis: Volume, tier: Int, earned: Money
    ) {
        self.agreementID = agreementID
        self.program = program
        self.beneficiary = beneficiary
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.quantity = quantity
        self.amount = amount
        self.pallets = pallets
        self.basis = basis
        self.tier = tier
        self.earned = earned
    }
}

/// One row of `statements.csv`: where a beneficiary stands in the current period.
public struct StatementRow: Hashable, Sendable {
    /// The partner or buying-group id.
    public var beneficiary: String
    /// The agreement's id.
    public var agreementID: String
    /// The rebate program, for reports.
    public var program: RebateProgram
    /// The settlement period's first day.
    public var periodStart: CivilDate
    /// The settlement period's last day.
    public var periodEnd: CivilDate
    /// The day the figures are taken at.
    public var asOf: CivilDate
    /// The period's basis so far, in the unit the agreement's tiers measure.
    public var basis: Volume
    /// The highest tier reached by the actual basis (1-based; 0 for none).
    public var tier: Int
    /// What the period has earned so far.
    public var earnedToDate: Money
    /// Where the next tier starts, `nil` at the top tier: a volume of the basis, or for a growth
    /// agreement a growth figure (a percent, or a volume of growth).
    public var nextTierFrom: TierFigure?
    /// How much basis is still missing to reach it, `nil` at the top tier.
    public var toNextTier: Volume?
    /// The period's expected total at run-rate.
    public var forecastEarned: Money
    /// Each gate of the agreement with what the period has bought toward it (not a `statements.csv` column).
    public var gates: [GateProgress]
    /// Baseline and growth at the statement's day, for a growth agreement (SPEC section 10); with it,
    /// `nextTierFrom` is a growth figure.
    public var growth: GrowthFigures?

    /// Whether a tier is reached but an unmet gate holds the rebate back.
    public var isHeldByGate: Bool { tier > 0 && gates.contains { !$0.isMet } }

    /// Creates a row from its values.
    public init(
        beneficiary: String, agreementID: String, program: RebateProgram, periodStart: CivilDate, periodEnd: CivilDate,
        asOf: CivilDate, basis: Volume, tier: Int, earnedToDate: Money, nextTierFrom: TierFigure?,
        toNextTier: Volume?, forecastEarned: Money, gates: [GateProgress] = []
    ) {
        self.gates = gates
        self.beneficiary = beneficiary
        self.agreementID = agreementID
        self.program = program
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.asOf = asOf
        self.basis = basis
        self.tier = tier
        self.earnedToDate = earnedToDate
        self.nextTierFrom = nextTierFrom
        self.toNextTier = toNextTier
        self.forecastEarned = forecastEarned
    }
}

/// What kind of finding an anomaly is.
public enum AnomalyKind: String, Sendable {
    /// Buying over a threshold at period end and returning the goods after.
    case tierGaming = "tier_gaming"
    /// A period that ended with a negative basis.
    case negativeBasis = "negative_basis"
    /// An ended period whose claims (those not rejected for their form) add up to more than it earned.
    case overClaim = "over_claim"
}

/// One row of `anomalies.csv`.
public struct Anomaly: Hashable, Sendable {
    /// What was found.
    public var kind: AnomalyKind
    /// The agreement's id.
    public var agreementID: String
    /// The partner or buying-group id.
    public var beneficiary: String
    /// The settlement period's first day.
    public var periodStart: CivilDate
    /// The settlement period's last day.
    public var periodEnd: CivilDate
    /// What triggered it, for a person to read.
    public var detail: String

    /// Creates a row from its values.
    public init(
        kind: AnomalyKind, agreementID: String, beneficiary: String, periodStart: CivilDate, periodEnd: CivilDate,
        detail: String
    ) {
        self.kind = kind
        self.agreementID = agreementID
        self.beneficiary = beneficiary
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.detail = detail
    }
}

/// A tier's threshold or a growth figure (SPEC section 10): a volume of the basis, or a percent.
public enum TierFigure: Hashable, Sendable {
    /// A volume of the basis; for growth measured `absolute`, a volume of growth.
    case volume(Volume)
    /// Growth in percent, in ten-thousandths of a percent (2.5 % is 25,000).
    case percent(tenThousandths: Int128)

    /// The figure as the outputs write it: a volume in its unit's format, a percent with up to 4
    /// decimals and no sign (`12.5`).
    public func text(decimals: Int) -> String {
        switch self {
        case .volume(let v): return v.text(decimals: decimals)
        case .percent(let p): return DecimalText.plain(p, scale: 4)
        }
    }
}
