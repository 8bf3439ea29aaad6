/// The rebate program of the source document; used in reports.
public enum RebateProgram: String, Sendable, CaseIterable {
    case volume, upsell, logistics
    case crossSell = "cross_sell"
}

/// Who receives the rebate: one partner, or every member of a buying group.
public enum Beneficiary: Hashable, Sendable {
    case partner(String)
    case group(String)

    /// The partner or group id, as written in the outputs.
    public var id: String {
        switch self {
        case .partner(let id), .group(let id): return id
        }
    }
}

/// A product scope: the union of the listed categories and products.
public struct ProductScope: Hashable, Sendable {
    /// Category names whose products are in scope.
    public var categories: [String]
    /// Product ids in scope.
    public var products: [String]

    /// Creates a scope from categories and product ids.
    public init(categories: [String] = [], products: [String] = []) {
        self.categories = categories
        self.products = products
    }
}

/// How an agreement's time is cut into settlement periods.
public enum SettlementFrequency: String, Sendable, CaseIterable {
    case month, quarter, year, term
}

/// What the tier thresholds measure.
public enum RebateBasis: String, Sendable, CaseIterable {
    case quantity, amount, pallets
}

/// Whether the reached tier pays on the whole volume or tier by tier.
public enum Tiering: String, Sendable, CaseIterable {
    case retroactive, incremental
}

/// What every tier of an agreement pays.
public enum TierValueKind: String, Sendable, CaseIterable {
    /// A percent of the amount; the value is scaled by 10^4.
    case percent
    /// Money per unit of quantity; the value is money scaled by 10^4.
    case perUnit = "per_unit"
    /// Money per full pallet; the value is money scaled by 10^4.
    case perPallet = "per_pallet"
    /// A fixed sum; the value is in minor units of the currency.
    case fixed
}

/// How the liability is accrued before a period ends.
public enum AccrualMethod: String, Sendable, CaseIterable {
    /// What the sums so far have earned.
    case earned
    /// The run-rate expected value, scaled back to the elapsed share of the period.
    case forecast
}

/// One tier: a threshold and what it pays.
public struct Tier: Hashable, Sendable {
    /// The threshold in basis units: milli-units for quantity and pallets, minor units for amount.
    public internal(set) var from: Int64
    /// The tier's value: rates scaled by 10^4, fixed sums in minor units (see ``TierValueKind``).
    public internal(set) var value: Int64
    /// The kind of value and whether the threshold is money, when made through the typed
    /// initialisers; checked against the agreement by ``AccrualEngine/run(_:options:)``.
    var kind: TierValueKind?
    var thresholdIsMoney: Bool?

    /// A tier from scaled integers; the agreements decoder checks kinds and scales itself.
    init(from: Int64, value: Int64) {
        self.from = from
        self.value = value
    }

    /// A tier of a growth agreement measured in percent (SPEC section 10): reached from `from` percent of growth.
    public init(fromGrowth percent: Rate, value: TierValue) {
        self.from = percent.tenThousandths
        self.value = value.scaled
        kind = value.kind
    }

    /// A tier of an agreement on quantity or pallets: reached from `from` units (or pallets).
    public init(from: Quantity, value: TierValue) {
        self.from = from.inputValue
        self.value = value.scaled
        kind = value.kind
        thresholdIsMoney = false
    }

    /// A tier of an agreement on amount: reached from `from` money.
    public init(from: Money, value: TierValue) {
        self.from = from.inputValue
        self.value = value.scaled
        kind = value.kind
        thresholdIsMoney = true
    }
}

/// A gate that must be met for a period to earn anything.
public struct Gate: Hashable, Sendable {
    /// What the gate measures.
    public enum Measure: String, Sendable { case quantity, amount }
    /// The products whose lines count toward the gate.
    public var scope: ProductScope
    /// Quantity (in milli-units) or amount (in minor units).
    public var measure: Measure
    /// The minimum the period's sum must reach, scaled as ``measure`` says.
    public internal(set) var minimum: Int64

    /// A gate from a scaled minimum; the agreements decoder checks the scale itself.
    init(scope: ProductScope, measure: Measure, minimum: Int64) {
        self.scope = scope
        self.measure = measure
        self.minimum = minimum
    }

    /// A gate met when the scope's quantity in the period reaches `minimum`.
    public init(scope: ProductScope, minimum: Quantity) {
        self.init(scope: scope, measure: .quantity, minimum: minimum.inputValue)
    }

    /// A gate met when the scope's amount in the period reaches `minimum`.
    public init(scope: ProductScope, minimum: Money) {
        self.init(scope: scope, measure: .amount, minimum: minimum.inputValue)
    }
}

/// One rebate agreement, as SPEC.md section 2 defines it.
///
/// Amounts are scaled integers so that no rate or threshold is ever rounded:
/// see ``Tier`` and ``Gate`` for the scales.
public struct Agreement: Hashable, Sendable {
    /// The unique id.
    public var id: String
    /// The rebate program, for reports.
    public var program: RebateProgram
    /// The partner or buying-group id.
    public var beneficiary: Beneficiary
    /// `nil` means every product.
    public var scope: ProductScope?
    /// The first day that counts (inclusive).
    public var start: CivilDate
    /// The last day that counts (inclusive).
    public var end: CivilDate
    /// How the agreement's time is cut into settlement periods.
    public var settlement: SettlementFrequency
    /// The basis in basis units: milli for quantity and pallets, minor units for amount.
    public var basis: RebateBasis
    /// Retroactive or incremental tiers.
    public var tiering: Tiering
    /// What every tier pays.
    public var valueKind: TierValueKind
    /// The tiers, `from` strictly ascending.
    public var tiers: [Tier]
    /// The most one settlement period can earn, in minor units.
    public internal(set) var cap: Int64?
    /// Gates that must all be met for a period to earn anything.
    public var gates: [Gate]
    /// Earned or forecast accruals.
    public var accrual: AccrualMethod
    /// General-ledger accounts of this agreement; members left `nil` take the file's top-level ones.
    public var accounts = AccountOverrides()
    /// Paid automatically at each period's end, or as far as the beneficiary claims (SPEC section 12).
    public var payment = PaymentMode.automatic
    /// Tiers on growth over a baseline (SPEC section 10); `nil` for tiers on the basis itself.
    public var growth: Growth?

    /// Creates an agreement; ``AccrualEngine/run(_:options:)`` checks it against the dataset.
    public init(
        id: String, program: RebateProgram, beneficiary: Beneficiary, scope: ProductScope? = nil,
        start: CivilDate, end: CivilDate, settlement: SettlementFrequency = .term, basis: RebateBasis,
        tiering: Tiering = .retroactive, valueKind: TierValueKind, tiers: [Tier], cap: Money? = nil,
        gates: [Gate] = [], accrual: AccrualMethod = .earned
    ) {
        self.id = id
        self.program = program
        self.beneficiary = beneficiary
        self.scope = scope
        self.start = start
        self.end = end
        self.settlement = settlement
        self.basis = basis
        self.tiering = tiering
        self.valueKind = valueKind
        self.tiers = tiers
        self.cap = cap?.inputValue
        self.gates = gates
        self.accrual = accrual
    }
}
