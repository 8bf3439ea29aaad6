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
    /// The minimum: milli-units for quantity, minor units for amount.
    public var minimum: Int64
    /// What the period's lines in the gate's scope add up to so far, in the same units.
    public var bought: Int128

    /// Creates a row from its values.
    public init(scope: ProductScope, measure: Gate.Measure, minimum: Int64, bought: Int128) {
        self.scope = scope
        self.measure = measure
        self.minimum = minimum
        self.bought = bought
    }

    /// Whether the period's actual sum reaches the minimum.
    public var isMet: Bool { bought >= Int128(minimum) }
    /// What is still to buy to meet the gate; 0 once met.
    public var missing: Int128 { max(0, Int128(minimum) - bought) }
}
