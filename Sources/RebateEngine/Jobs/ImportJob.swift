/// The `rebate import` job: read `transactions.csv` once and write its columnar form.
public enum ImportJob {
    /// Loads the dataset from its CSV and writes `transactions.rbc` (or `output`).
    /// - Returns: what was loaded, rejects included (they are kept in the file too).
    public static func run(
        dataset folder: String, output: String? = nil, threads: Int = AccrualEngine.defaultThreadCount
    ) throws(RebateError) -> LoadedDataset {
        let loaded = try DatasetLoader.load(folder: folder, threads: threads, columnar: false)
        let csv = folder + "/transactions.csv"
        let stamp = ColumnarFile.sourceStamp(csv) ?? (0, 0)
        try ColumnarFile.write(
            loaded, to: output ?? folder + "/" + ColumnarFile.fileName, sourceSize: stamp.size,
            sourceModified: stamp.modified, threads: threads)
        return loaded
    }
}
