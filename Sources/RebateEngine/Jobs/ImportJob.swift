/// The `rebate import` job: read the CSV lines once and write their columnar form.
public enum ImportJob {
    /// What an import of a `transactions/` folder did, file by file.
    public struct FolderReport: Sendable, Hashable {
        /// Files parsed: new, or changed since the last import.
        public var parsed: [String]
        /// Files whose segment was used as it was.
        public var reused: [String]
        /// Files not parsed again but checked again for duplicates of an earlier file (one before them changed).
        public var rechecked: [String]
    }

    /// Loads the dataset from its CSV lines and writes their columnar form (SPEC section 1).
    ///
    /// `transactions.csv` becomes `transactions.rbc` (or `output`). A `transactions/` folder becomes the
    /// store `transactions.rbc.d/`, one segment a file: only new or changed files are parsed, removed
    /// ones are dropped (see `folderReport`), so a nightly import after a new day's file costs that file.
    /// - Returns: what was loaded, rejects included (they are kept in the store too); for a folder, the
    ///   totals and rejects with no lines (a run maps the store).
    public static func run(
        dataset folder: String, output: String? = nil, threads: Int = AccrualEngine.defaultThreadCount
    ) throws(RebateError) -> LoadedDataset {
        try runReporting(dataset: folder, output: output, threads: threads).loaded
    }

    /// What an import read and stored.
    public struct Outcome: Sendable {
        /// The dataset as stored: its totals and rejects (the lines themselves stay in the file or store).
        public var loaded: LoadedDataset
        /// For a `transactions/` folder, which files were parsed, reused or checked again; `nil` for one file.
        public var folderReport: FolderReport?
    }

    /// ``run(dataset:output:threads:)``, also saying which files of a folder were parsed.
    public static func runReporting(
        dataset folder: String, output: String? = nil, threads: Int = AccrualEngine.defaultThreadCount
    ) throws(RebateError) -> Outcome {
        if let source = try TransactionSource.find(in: folder), source.isFolder {
            let master = try DatasetLoader.loadMaster(folder: folder, needsCSVLines: true)
            let r = try ColumnarStore.update(dataset: folder, master: master, source: source, threads: threads)
            // Read back what was stored (every segment checked), without joining the lines: the totals and rejects.
            let (_, rejects, totals) = try ColumnarStore.load(
                dataset: folder, partners: master.partners, products: master.products,
                decimals: master.agreements.decimals, rates: master.rates, source: source, threads: threads)
            let dataset = Dataset(
                partners: master.partners, products: master.products, agreements: master.agreements,
                transactions: TransactionColumns())
            let loaded = LoadedDataset(
                dataset: dataset, rejects: rejects, totals: totals,
                transactionsFile: ColumnarStore.folderName + " (\(source.files.count) files)")
            return Outcome(
                loaded: loaded, folderReport: FolderReport(parsed: r.parsed, reused: r.reused, rechecked: r.rechecked))
        }
        // The stamp is taken before reading, so a file changed while it is read makes the store stale.
        let stamp = try TransactionSource.find(in: folder)?.stamp ?? (size: 0, modified: 0)
        let loaded = try DatasetLoader.load(folder: folder, threads: threads, columnar: false)
        try ColumnarFile.write(
            loaded, to: output ?? TransactionSource.join(folder, ColumnarFile.fileName), sourceSize: stamp.size,
            sourceModified: stamp.modified, threads: threads)
        return Outcome(loaded: loaded, folderReport: nil)
    }
}
