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
    /// Which shard of a split this dataset is, when it has a `shard.json` whose fingerprint matches its inputs.
    public var shard: ShardIdentity?

    /// Creates a loaded dataset.
    public init(dataset: Dataset, rejects: [TransactionReject], totals: IngestTotals, transactionsFile: String) {
        self.dataset = dataset
        self.rejects = rejects
        self.totals = totals
        self.transactionsFile = transactionsFile
    }
}
