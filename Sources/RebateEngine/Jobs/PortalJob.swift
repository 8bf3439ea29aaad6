import Dispatch
import Synchronization

/// The `rebate portal` job: the static self-service site of every beneficiary.
public enum PortalJob {
    /// Runs the accruals (as of `options.asOf`) and writes `index.html` and `beneficiaries/*.html`
    /// into `outputFolder`, pages in parallel.
    ///
    /// The pages are written into a fresh folder and swapped in, so pages of beneficiaries that
    /// are gone do not linger and a reader never sees half a site's pages.
    /// - Parameter ledger: a ledger file (SPEC section 8); its `paid` shows payments and clawbacks.
    /// - Throws: ``RebateError`` (exit 2 for bad input, 74 for I/O).
    /// - Complexity: O(lines) for the run, O(rows) for the pages.
    public static func run(
        dataset folder: String, outputFolder: String, ledger: String?, options: AccrualOptions, columnar: Bool = true
    ) throws(RebateError) -> PartnerPortal {
        try MemoryGuard.check(dataset: folder, columnar: columnar)
        let loaded = try DatasetLoader.load(
            folder: folder, threads: options.threads, columnar: columnar, progress: options.progress)
        let rows = try ledger.map { (p: String) throws(RebateError) in
            try LedgerFile.read(path: p, decimals: loaded.dataset.agreements.decimals)
        }
        let report = try AccrualEngine.run(loaded.dataset, options: options)
        let portal = PartnerPortal(report, dataset: loaded.dataset, ledger: rows)
        try write(portal, to: outputFolder, threads: options.threads)
        return portal
    }

    /// Writes the portal's pages and index into `outputFolder`.
    static func write(_ portal: PartnerPortal, to outputFolder: String, threads: Int) throws(RebateError) {
        try AtomicFile.makeFolder(outputFolder)
        let fresh = outputFolder + "/.beneficiaries.new"
        let old = outputFolder + "/.beneficiaries.old"
        AtomicFile.removeTree(fresh)
        AtomicFile.removeTree(old)
        try AtomicFile.makeFolder(fresh)
        let failure = Mutex<RebateError?>(nil)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, portal.entries.count))) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                if i >= portal.entries.count { return }
                let e = portal.entries[i]
                let name = String(e.page.dropFirst("beneficiaries/".count))
                do throws(RebateError) {
                    try AtomicFile.writeUnsynced(Array(portal.page(e).utf8), to: fresh + "/" + name)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        AtomicFile.syncFolder(fresh)
        let pages = outputFolder + "/beneficiaries"
        try AtomicFile.move(pages, to: old, missingIsFine: true)
        try AtomicFile.move(fresh, to: pages, missingIsFine: false)
        AtomicFile.removeTree(old)
        try AtomicFile.write(Array(portal.indexHTML().utf8), to: outputFolder + "/index.html")
    }
}
