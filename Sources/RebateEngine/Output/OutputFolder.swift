import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The folder one run writes its outputs into, committed as one set.
///
/// Each output file is atomic on its own (``AtomicFile``), but a set of them is not: a run that
/// failed after writing `accruals.csv` would leave it beside the previous run's `summary.json`.
/// So a run writes every output into a staging folder beside the output folder (same parent, so
/// same file system), and ``commit()`` swaps the two folders in one `renameat2(RENAME_EXCHANGE)`:
/// a reader sees the previous complete set or the new one, never a mix, whatever stops the run
/// (no space, a file size limit, an I/O error, a kill, a refusal). Files in the folder that no
/// job writes (the user's own) are carried into the new set as hard links.
///
/// One run at a time: the output folder is locked (`flock`) for the run's life; a second run
/// into the same folder is refused with exit code 74.
final class OutputFolder {
    /// The folder the user named.
    let folder: String
    /// Where this run writes its files; swapped in by ``commit()``.
    let staging: String
    private let lock: Int32
    private let carryOver: Bool
    private var committed = false

    /// File and folder names written by some job: an earlier run's that this run does not write
    /// again are left out of the new set, so a set never mixes two runs.
    static let outputNames: Set<String> = [
        "accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv", "rejects.csv", "summary.json",
        "report.html", "journal.csv", "payments.csv", "ledger.csv", "claims.csv", "compare.csv", "compare.html",
        "split.json", "index.html", "beneficiaries",
    ]

    static func isOutput(_ name: String) -> Bool {
        outputNames.contains(name) || (name.hasPrefix("shard-") && name.dropFirst(6).allSatisfy(\.isNumber))
    }

    /// Creates the output folder if needed, locks it and makes an empty staging folder beside it.
    /// - Parameter carryOver: carry the files that no job writes into the new set (an output folder);
    ///   `false` where the run writes the folder's whole content (the columnar store).
    /// - Throws: ``RebateError/io(path:reason:)`` when another run holds the folder, or it cannot be made.
    init(_ path: String, carryOver: Bool = true) throws(RebateError) {
        self.carryOver = carryOver
        try AtomicFile.makeFolder(path)
        var trimmed = path
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let resolved = realpath(trimmed, nil) else {
            throw .io(path: path, reason: String(cString: strerror(errno)))
        }
        folder = String(cString: resolved)
        free(resolved)
        guard folder != "/" else { throw .io(path: path, reason: "the root folder cannot be an output folder") }
        lock = try Self.lockFolder(folder)
        let slash = folder.lastIndex(of: "/")!
        let parent = slash == folder.startIndex ? "/" : String(folder[..<slash])
        let name = String(folder[folder.index(after: slash)...])
        let prefix = "." + name + ".rebate-new-"
        // What a killed run left: its staging folder (an unfinished set, or the set it replaced).
        for entry in AtomicFile.names(in: parent) where entry.hasPrefix(prefix) {
            AtomicFile.removeTreeRecursively(TransactionSource.join(parent, entry))
        }
        staging = TransactionSource.join(parent, prefix + "\(getpid())")
        guard mkdir(staging, 0o755) == 0 else {
            let reason = String(cString: strerror(errno))
            close(lock)
            throw .io(path: staging, reason: reason)
        }
    }

    deinit {
        if !committed { AtomicFile.removeTreeRecursively(staging) }
        close(lock)
    }

    /// The path of an output file of this run (inside the staging folder).
    func path(_ name: String) -> String { staging + "/" + name }

    /// Takes the folder's lock, or says which folder another run holds.
    private static func lockFolder(_ folder: String) throws(RebateError) -> Int32 {
        // A run that committed just now swapped the folder: lock again until the lock is on the folder
        // that the name holds.
        for _ in 0..<8 {
            let fd = open(folder, O_RDONLY | O_DIRECTORY)
            guard fd >= 0 else { throw .io(path: folder, reason: String(cString: strerror(errno))) }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                close(fd)
                throw .io(
                    path: folder,
                    reason: "another rebate run is writing into this folder; run again when it has finished")
            }
            var held = stat()
            var named = stat()
            if fstat(fd, &held) == 0, stat(folder, &named) == 0, held.st_ino == named.st_ino,
                held.st_dev == named.st_dev
            {
                return fd
            }
            close(fd)
        }
        throw .io(path: folder, reason: "the folder keeps changing while it is being locked")
    }

    /// Makes this run's files the folder's whole content at once.
    ///
    /// Carries over the user's own files, flushes the staging folder to disk, then swaps it with the
    /// output folder and removes what the swap moved out (the previous set).
    func commit() throws(RebateError) {
        try FailureInjection.check(path: folder)
        AtomicFile.removeTemporaries(in: staging)
        for name in AtomicFile.names(in: folder)
        where carryOver && !Self.isOutput(name) && !(name.hasPrefix(".") && name.contains(".tmp-")) {
            try AtomicFile.linkTree(folder + "/" + name, to: staging + "/" + name)
        }
        AtomicFile.syncFileSystem(of: staging)
        if AtomicFile.exchange(staging, folder) {
            committed = true
            AtomicFile.syncFolder(String(staging[..<staging.lastIndex(of: "/")!]))
            AtomicFile.removeTreeRecursively(staging)
            return
        }
        // A file system without RENAME_EXCHANGE: move the files in one by one (each rename is atomic;
        // the set is not, for the moment the renames take).
        for name in AtomicFile.names(in: folder)
        where (Self.isOutput(name) || !carryOver) && !AtomicFile.exists(staging + "/" + name) {
            AtomicFile.removeTreeRecursively(folder + "/" + name)
        }
        for name in AtomicFile.names(in: staging) {
            let target = folder + "/" + name
            let old = staging + "/.replaced-" + name
            try AtomicFile.move(target, to: old, missingIsFine: true)
            try AtomicFile.move(staging + "/" + name, to: target, missingIsFine: false)
        }
        committed = true
        AtomicFile.syncFolder(folder)
        AtomicFile.removeTreeRecursively(staging)
    }
}

/// A test hook that makes a chosen write fail, so tests can see what every failure leaves.
///
/// `REBATE_FAIL_AT_WRITE=N` makes the N-th write of the run (1-based, counting every write to a
/// file and the final commit of an output folder) fail with an I/O error. Unset, it costs one
/// relaxed load per write.
enum FailureInjection {
    private static let target: Int = {
        guard let text = getenv("REBATE_FAIL_AT_WRITE"), let n = Int(String(cString: text)), n > 0 else { return 0 }
        return n
    }()
    private static let writes = Atomic<Int>(0)

    /// Throws when this is the write chosen to fail.
    static func check(path: String) throws(RebateError) {
        guard target > 0 else { return }
        if writes.add(1, ordering: .relaxed).newValue == target {
            throw .io(path: path, reason: "injected failure (REBATE_FAIL_AT_WRITE)")
        }
    }
}
