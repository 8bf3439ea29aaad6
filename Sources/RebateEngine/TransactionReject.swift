/// An input line that was not accepted, with what is needed to fix and re-feed it.
public struct TransactionReject: Hashable, Sendable {
    /// The file the line came from.
    public var file: String
    /// The physical line on which the record starts (the header is line 1).
    public var line: Int
    /// The `line_id` field as written, or empty when it could not be read.
    public var lineID: String
    /// Every reason the line was refused, `; `-separated, each led by its column.
    public var reason: String
    /// The record's raw bytes, without the line break.
    public var raw: [UInt8]
}

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

/// A dataset read from files, with the lines that were refused.
public struct LoadedDataset: Sendable {
    /// The accepted data.
    public var dataset: Dataset
    /// Refused transaction lines, in file order.
    public var rejects: [TransactionReject]
    /// What was read, accepted and rejected.
    public var totals: IngestTotals
    /// Which file the transactions came from: `transactions.csv` or `transactions.rbc`.
    public var transactionsFile: String

    /// Creates a loaded dataset.
    public init(dataset: Dataset, rejects: [TransactionReject], totals: IngestTotals, transactionsFile: String) {
        self.dataset = dataset
        self.rejects = rejects
        self.totals = totals
        self.transactionsFile = transactionsFile
    }
}
