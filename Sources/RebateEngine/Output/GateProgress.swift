/// Where a period stands against one of its agreement's gates (SPEC section 4, step 4).
///
/// A partner reading a statement needs to see why a tier that is reached still
/// earns nothing: the gate, its minimum, what the period has bought in the
/// gate's scope so far, and what is still missing.
public struct GateProgress: Hashable, Sendable {
    /// The products whose lines count toward the gate.
    public var scope: ProductScope
    /// Whether the gate sums quantity or amount.
    public var measure: Gate.Measure
    /// The minimum, in the gate's unit.
    public var minimum: Volume
    /// What the period's lines in the gate's scope add up to so far, in the same unit.
    public var bought: Volume

    /// Creates a row from its values.
    public init(scope: ProductScope, measure: Gate.Measure, minimum: Volume, bought: Volume) {
        self.scope = scope
        self.measure = measure
        self.minimum = minimum
        self.bought = bought
    }

    /// Creates a row from the gate's scaled values (thousandths of a unit, or minor units).
    init(scope: ProductScope, measure: Gate.Measure, minimum: Int64, bought: Int128) {
        let kind: RebateBasis = measure == .amount ? .amount : .quantity
        self.init(
            scope: scope, measure: measure, minimum: Volume(kind, scaled: Int128(minimum)),
            bought: Volume(kind, scaled: bought))
    }

    /// Whether the period's actual sum reaches the minimum.
    public var isMet: Bool { bought.scaled >= minimum.scaled }
    /// What is still to buy to meet the gate; nothing once met.
    public var missing: Volume { Volume(minimum.kind, scaled: max(0, minimum.scaled - bought.scaled)) }
}
