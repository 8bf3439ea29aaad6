#if canImport(Glibc)
import Glibc
#endif

extension AtomicFile {
    /// Writes a file of a folder that is made whole before it is swapped in, without a flush per
    /// file: thousands of pages that can be made again from the data are not worth thousands of fsyncs.
    static func writeUnsynced(_ bytes: [UInt8], to path: String) throws(RebateError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        try FileSink(fd: fd, path: path).write(bytes)
    }

    /// Removes a folder of plain files (one level deep), if it exists.
    static func removeTree(_ folder: String) {
        guard let dir = opendir(folder) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names { unlink(folder + "/" + name) }
        rmdir(folder)
    }

    /// Renames `from` to `to`; a missing `from` is fine when `missingIsFine`.
    static func move(_ from: String, to: String, missingIsFine: Bool) throws(RebateError) {
        if Glibc.rename(from, to) != 0, !(missingIsFine && errno == ENOENT) {
            throw .io(path: from, reason: "rename: " + String(cString: strerror(errno)))
        }
    }
}
