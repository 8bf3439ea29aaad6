#if canImport(Glibc)
import Glibc
#endif

/// Where a dataset's lines are (SPEC section 1): one `transactions.csv`, or a `transactions/` folder
/// of `.csv` files read in bytewise order of their names, as if they were one file.
public struct TransactionSource: Sendable, Hashable {
    /// The dataset folder.
    public var dataset: String
    /// The files, relative to the dataset folder, in reading order: `["transactions.csv"]` or
    /// `["transactions/2026-01.csv", "transactions/2026-02.csv", ...]`.
    public var files: [String]
    /// Whether the lines come from a `transactions/` folder.
    public var isFolder: Bool

    /// The folder of per-file transactions (SPEC section 1).
    public static let folderName = "transactions"
    /// The single transactions file.
    public static let fileName = "transactions.csv"

    /// Finds the lines of a dataset folder; `nil` when it has neither form.
    /// - Throws: ``RebateError/invalidInput(_:)`` when it has both, or the folder cannot be listed.
    public static func find(in dataset: String) throws(RebateError) -> TransactionSource? {
        let single = FileBytes.exists(join(dataset, fileName))
        let folderPath = join(dataset, folderName)
        var st = stat()
        let folder = stat(folderPath, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        if single && folder {
            throw .invalidInput([
                InputProblem(
                    file: fileName,
                    reason: "both transactions.csv and a transactions/ folder are in \(dataset); keep one")
            ])
        }
        if single { return TransactionSource(dataset: dataset, files: [fileName], isFolder: false) }
        guard folder else { return nil }
        let names = try listCSVFiles(folderPath)
        return TransactionSource(dataset: dataset, files: names.map { folderName + "/" + $0 }, isFolder: true)
    }

    /// The names of the regular files in `folder` that end in `.csv` and do not start with `.`, bytewise sorted.
    static func listCSVFiles(_ folder: String) throws(RebateError) -> [String] {
        try listFiles(folder).filter { $0.hasSuffix(".csv") && !$0.hasPrefix(".") }
    }

    /// The names of the regular files in `folder`, bytewise sorted.
    static func listFiles(_ folder: String) throws(RebateError) -> [String] {
        guard let dir = opendir(folder) else { throw .io(path: folder, reason: String(cString: strerror(errno))) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            var st = stat()
            guard stat(join(folder, name), &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            names.append(name)
        }
        return names.sorted { Bytewise.less($0, $1) }
    }

    /// The full path of one of the files.
    public func path(_ file: String) -> String { Self.join(dataset, file) }

    /// What the summary and messages call the source: `transactions.csv` or `transactions/ (12 files)`.
    public var displayName: String {
        isFolder ? "\(Self.folderName)/ (\(files.count) file\(files.count == 1 ? "" : "s"))" : Self.fileName
    }

    /// Size and a fingerprint of the names, sizes and modification times of every file, so a
    /// columnar store imported from other lines is refused as stale.
    var stamp: (size: UInt64, modified: Int64) {
        var size: UInt64 = 0
        var hash = Fingerprint()
        for f in files {
            let s = ColumnarFile.sourceStamp(path(f)) ?? (0, 0)
            size &+= s.size
            for b in f.utf8 { hash.mix(UInt64(b)) }
            hash.mix(s.size)
            hash.mix(UInt64(bitPattern: s.modified))
        }
        return isFolder
            ? (size, Int64(bitPattern: hash.value)) : (ColumnarFile.sourceStamp(path(Self.fileName)) ?? (0, 0))
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
