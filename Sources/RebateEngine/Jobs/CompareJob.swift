/// The `rebate compare` job: the same lines under the dataset's agreements and another file's.
public enum CompareJob {
    /// Runs both and writes `compare.csv` and `compare.html` into `outputFolder`.
    /// - Parameter agreements: the other agreements file, checked against the dataset's master data.
    /// - Throws: ``RebateError`` (exit 2 for a bad agreements file, as for the dataset's own).
    public static func run(
        dataset folder: String, agreements other: String, outputFolder: String, options: AccrualOptions,
        columnar: Bool = true
    ) throws(RebateError) -> Comparison {
        try MemoryGuard.check(dataset: folder, columnar: columnar)
        let loaded = try DatasetLoader.load(folder: folder, threads: options.threads, columnar: columnar)
        let master = MasterDataIndex(partners: loaded.dataset.partners, products: loaded.dataset.products)
        let json = try FileBytes.contents(other)
        let b = try AgreementSet(json: json, fileName: other, master: master)
        var datasetB = loaded.dataset
        datasetB.agreements = b
        let reportA = try AccrualEngine.run(loaded.dataset, options: options)
        let reportB = try AccrualEngine.run(datasetB, options: options)
        let comparison = Comparison(reportA, reportB)
        let output = try OutputFolder(outputFolder)
        try AtomicFile.write(comparison.csv(), to: output.path("compare.csv"))
        let page = comparison.html(fileA: TransactionSource.join(folder, "agreements.json"), fileB: other)
        try AtomicFile.write(Array(page.utf8), to: output.path("compare.html"))
        try output.commit()
        return comparison
    }
}
