/// The whole `rebate statement` job: one beneficiary's HTML statement, written atomically.
public enum StatementJob {
    /// Loads the dataset, computes it (as of `options.asOf`), and writes the statement of
    /// `beneficiary` (a partner, who also sees its group's agreements, or a group) to `outputFile`.
    /// - Parameter claims: the claims file, for what `on_claim` agreements can still claim (`nil`: none claimed).
    /// - Throws: ``RebateError``: `invalidInput` for a bad dataset or claims file, or a beneficiary with
    ///   no agreement started by the as-of date (exit 2); `io` when the page cannot be written (exit 74).
    public static func run(
        dataset folder: String, beneficiary: String, claims: String? = nil, outputFile: String,
        options: AccrualOptions, columnar: Bool = true
    ) throws(RebateError) {
        let loaded = try DatasetLoader.load(
            folder: folder, threads: options.threads, columnar: columnar, progress: options.progress)
        let claimRows = try claims.map { (p: String) throws(RebateError) in
            try ClaimsFile.read(path: p, decimals: loaded.dataset.agreements.decimals)
        }
        let result = try AccrualEngine.run(loaded.dataset, options: options)
        guard let page = PartnerStatement.html(result, loaded: loaded, beneficiary: beneficiary, claims: claimRows)
        else {
            let when = options.asOf.map(\.description) ?? "the end of the data"
            throw .invalidInput([
                InputProblem(
                    file: "partners.csv", field: "--partner",
                    reason:
                        "no statement for \"\(beneficiary)\": not a partner or group with an agreement started by \(when)"
                )
            ])
        }
        try AtomicFile.write(Array(page.utf8), to: outputFile.contains("/") ? outputFile : "./" + outputFile)
    }
}
