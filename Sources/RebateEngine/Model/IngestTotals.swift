/// Control totals of one ingestion: what was read, accepted and rejected.
public struct IngestTotals: Hashable, Sendable {
    /// Records read (blank lines are not records).
    public var linesRead = 0
    /// Lines accepted.
    public var linesAccepted = 0
    /// Lines rejected (each is in the rejects).
    public var linesRejected = 0
    /// Sums of accepted lines: milli-units and minor units.
    public var acceptedQuantity: Int128 = 0
    /// Sum of accepted amounts, minor units.
    public var acceptedAmount: Int128 = 0
    /// Sums over rejected lines whose number fields could be read.
    public var rejectedQuantity: Int128 = 0
    /// Sum of rejected amounts that could be read, minor units.
    public var rejectedAmount: Int128 = 0
    /// Rejected lines whose quantity or amount could not be read at all.
    public var rejectedUnreadable = 0

    /// Creates zero totals.
    public init() {}
}
