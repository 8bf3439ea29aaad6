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
    /// Period-to-date sums: milli-units, minor units, whole pallets.
    public var quantity: Int128
    /// Amount in minor units of the currency.
    public var amount: Int128
    /// Whole pallets.
    public var pallets: Int128
    /// The basis kind, and its period-to-date value in basis units (milli for quantity and pallets).
    public var basisKind: RebateBasis
    /// The basis in basis units: milli for quantity and pallets, minor units for amount.
    public var basis: Int128
    /// The highest tier reached by the actual basis (1-based; 0 for none).
    public var tier: Int
    /// Minor units.
    public var accruedToDate: Int128
    /// The month's change of `accruedToDate` within its period, minor units.
    public var posting: Int128
    /// Baseline and growth at the month's day, for a growth agreement (SPEC section 10).
    public var growth: GrowthFigures?

    /// Creates a row from its values.
    public init(
        agreementID: String, program: RebateProgram, beneficiary: String, periodStart: CivilDate, periodEnd: CivilDate,
        month: CivilDate, quantity: Int128, amount: Int128, pallets: Int128, basisKind: RebateBasis, basis: Int128,
        tier: Int, accruedToDate: Int128, posting: Int128
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
        self.basisKind = basisKind
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
    /// Quantity in milli-units.
    public var quantity: Int128
    /// Amount in minor units of the currency.
    public var amount: Int128
    /// Whole pallets.
    public var pallets: Int128
    /// What the tiers measure.
    public var basisKind: RebateBasis
    /// The basis in basis units: milli for quantity and pallets, minor units for amount.
    public var basis: Int128
    /// The highest tier reached by the actual basis (1-based; 0 for none).
    public var tier: Int
    /// Minor units.
    public var earned: Int128
    /// Baseline and growth at the period's end, for a growth agreement (SPEC section 10).
    public var growth: GrowthFigures?

    /// Creates a row from its values.
    public init(
        agreementID: String, program: RebateProgram, beneficiary: String, periodStart: CivilDate, periodEnd: CivilDate,
        quantity: Int128, amount: Int128, pallets: Int128, basisKind: RebateBasis, basis: Int128, tier: Int,
        earned: Int128
    ) {
        self.agreementID = agreementID
        self.program = program
        self.beneficiary = beneficiary
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.quantity = quantity
        self.amount = amount
        self.pallets = pallets
        self.basisKind = basisKind
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
    /// What the tiers measure.
    public var basisKind: RebateBasis
    /// The basis in basis units: milli for quantity and pallets, minor units for amount.
    public var basis: Int128
    /// The highest tier reached by the actual basis (1-based; 0 for none).
    public var tier: Int
    /// Minor units.
    public var earnedToDate: Int128
    /// The next tier's threshold in basis units, `nil` at the top tier.
    public var nextTierFrom: Int64?
    /// How much basis is still missing to reach it, `nil` at the top tier.
    public var toNextTier: Int128?
    /// The period's expected total at run-rate, minor units.
    public var forecastEarned: Int128
    /// Each gate of the agreement with what the period has bought toward it (not a `statements.csv` column).
    public var gates: [GateProgress]
    /// Baseline and growth at the statement's day, for a growth agreement (SPEC section 10); with it,
    /// `nextTierFrom` is a growth figure (10^-4 percent, or basis units).
    public var growth: GrowthFigures?

    /// Whether a tier is reached but an unmet gate holds the rebate back.
    public var isHeldByGate: Bool { tier > 0 && gates.contains { !$0.isMet } }

    /// Creates a row from its values.
    public init(
        beneficiary: String, agreementID: String, program: RebateProgram, periodStart: CivilDate, periodEnd: CivilDate,
        asOf: CivilDate, basisKind: RebateBasis, basis: Int128, tier: Int, earnedToDate: Int128, nextTierFrom: Int64?,
        toNextTier: Int128?, forecastEarned: Int128, gates: [GateProgress] = []
    ) {
        self.gates = gates
        self.beneficiary = beneficiary
        self.agreementID = agreementID
        self.program = program
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.asOf = asOf
        self.basisKind = basisKind
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
