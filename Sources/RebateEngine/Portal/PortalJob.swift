/// The `rebate portal` job: the static self-service site of every beneficiary.
public enum PortalJob {
    /// Runs the accruals (as of `options.asOf`) and writes `index.html` and `beneficiaries/*.html`
    /// into `outputFolder`, pages in parallel.
    ///
    /// The pages are written into a fresh folder and swapped in, so pages of beneficiaries that
    /// are gone do not linger and a reader never sees half a site's pages.
    /// - Parameters:
    ///   - ledger: a ledger file (SPEC section 8); its `paid` shows payments and clawbacks.
    ///   - claims: a claims file (SPEC section 12); `on_claim` agreements then show what is still claimable.
    /// - Throws: ``RebateError`` (exit 2 for bad input, 74 for I/O).
    /// - Complexity: O(lines) for the run, O(rows) for the pages.
    public static func run(
        dataset folder: String, outputFolder: String, ledger: String?, claims: String? = nil, options: AccrualOptions,
        columnar: Bool = true
    ) throws(RebateError) -> PartnerPortal {
        try MemoryGuard.check(dataset: folder, columnar: columnar)
        let loaded = try DatasetLoader.load(
            folder: folder, threads: options.threads, columnar: columnar, progress: options.progress)
        let rows = try ledger.map { (p: String) throws(RebateError) in
            try LedgerFile.read(path: p, decimals: loaded.dataset.agreements.decimals)
        }
        let claimed = try claims.map { (p: String) throws(RebateError) in
            try ClaimsFile.read(path: p, decimals: loaded.dataset.agreements.decimals)
        }
        let report = try AccrualEngine.run(loaded.dataset, options: options)
        let portal = PartnerPortal(report, dataset: loaded.dataset, ledger: rows, claims: claimed)
        try write(portal, to: outputFolder, threads: options.threads)
        return portal
    }

    /// Writes the portal's pages and index into `outputFolder`.
    static func write(_ portal: PartnerPortal, to outputFolder: String, threads: Int) throws(RebateError) {
        // Everything goes to a staging folder that is swapped in whole at the end (or not at all).
        let output = try OutputFolder(outputFolder)
        let fresh = output.path("beneficiaries")
        try AtomicFile.makeFolder(fresh)
        _ = try ParallelMap.run(portal.entries.count, threads: threads) { i throws(RebateError) in
            let e = portal.entries[i]
            let name = String(e.page.dropFirst("beneficiaries/".count))
            try AtomicFile.writeUnsynced(Array(portal.page(e).utf8), to: fresh + "/" + name)
        }
        // The pages are flushed with the whole staging folder when it is committed.
        try AtomicFile.write(Array(portal.indexHTML().utf8), to: output.path("index.html"))
        try output.commit()
    }
}
