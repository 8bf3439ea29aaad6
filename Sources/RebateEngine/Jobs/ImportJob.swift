/// The `rebate import` job: read the CSV lines once and write their columnar form.
public enum ImportJob {
    /// Loads the dataset from its CSV lines (`transactions.csv` or the `transactions/` folder) and
    /// writes `transactions.rbc` (or `output`), stamped with the sources it was made from.
    /// - Returns: what was loaded, rejects included (they are kept in the file too).
    public static func run(
        dataset folder: String, output: String? = nil, threads: Int = AccrualEngine.defaultThreadCount
    ) throws(RebateError) -> LoadedDataset {
        // The stamp is taken before reading, so a file changed while it is read makes the store stale.
        let stamp = try TransactionSource.find(in: folder)?.stamp ?? (size: 0, modified: 0)
        let loaded = try DatasetLoader.load(folder: folder, threads: threads, columnar: false)
        try ColumnarFile.write(
            loaded, to: output ?? TransactionSource.join(folder, ColumnarFile.fileName), sourceSize: stamp.size,
            sourceModified: stamp.modified, threads: threads)
        return loaded
    }
}
