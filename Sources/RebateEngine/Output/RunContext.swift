/// What the report and the summary say about a run's input: counts, control totals, rejects.
///
/// Made from a ``LoadedDataset`` by `accrue` and `close`, and from the shards' summaries by `merge`,
/// which has no dataset.
struct RunContext: Sendable {
    var currency: String
    var decimals: Int
    var partnerCount: Int
    var productCount: Int
    var agreementCount: Int
    var transactionsFile: String
    var totals: IngestTotals
    var rejects: [TransactionReject]
    var warnings: [String]
    /// Which shard of a split the dataset is, if it is one (read from its `shard.json`).
    var shard: ShardIdentity?

    init(_ loaded: LoadedDataset) {
        let d = loaded.dataset
        currency = d.agreements.currency
        decimals = d.agreements.decimals
        partnerCount = d.partners.count
        productCount = d.products.count
        agreementCount = d.agreements.agreements.count
        transactionsFile = loaded.transactionsFile
        totals = loaded.totals
        rejects = loaded.rejects
        warnings = d.agreements.warnings.map(\.description)
        shard = loaded.shard
    }

    init(
        currency: String, decimals: Int, partnerCount: Int, productCount: Int, agreementCount: Int,
        transactionsFile: String, totals: IngestTotals, rejects: [TransactionReject], warnings: [String]
    ) {
        self.currency = currency
        self.decimals = decimals
        self.partnerCount = partnerCount
        self.productCount = productCount
        self.agreementCount = agreementCount
        self.transactionsFile = transactionsFile
        self.totals = totals
        self.rejects = rejects
        self.warnings = warnings
    }
}
