#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a killed run never leaves a half-written one behind:
/// the bytes go to a temporary name in the same folder, are flushed to disk,
/// renamed into place, and the folder itself is synced. The one way the package writes a file
/// (data-gen's included: its small files whole, its `transactions.csv` streamed through ``Pending``).
package enum AtomicFile {
    package static func write(_ bytes: [UInt8], to path: String) throws(RebateError) {
        try write(path: path) { sink throws(RebateError) in try sink.write(bytes) }
    }

    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// Removes temporary files that a killed run left behind (`.NAME.tmp-PID`).
    static func removeTemporaries(in folder: String) {
        guard let dir = opendir(folder) else { return }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("."), name.contains(".tmp-") { names.append(name) }
        }
        for name in names { unlink(folder + "/" + name) }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    /// Creates the folder and its parents.
    package static func makeFolder(_ path: String) throws(RebateError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0, errno != EEXIST {
                throw .io(path: partial, reason: String(cString: strerror(errno)))
            }
        }
    }
}

/// Where ``AtomicFile/write(path:_:)`` sends bytes.
package struct FileSink {
    let fd: Int32
    let path: String

    package func write(_ bytes: UnsafeRawBufferPointer) throws(RebateError) {
        try FailureInjection.check(path: path)
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: String(cString: strerror(errno)))
            }
            done += n
        }
    }

    package func write(_ bytes: [UInt8]) throws(RebateError) {
        let result: Result<Void, RebateError> = bytes.withUnsafeBytes { p in
            Result { () throws(RebateError) in try write(p) }
        }
        try result.get()
    }

    func write(zeros count: Int) throws(RebateError) {
        try write([UInt8](repeating: 0, count: count))
    }
}

extension AtomicFile {
    /// A file being written under a temporary name in its folder (`.NAME.tmp-PID`): ``commit()``
    /// flushes it to disk, renames it into place and syncs the folder; dropped uncommitted, it is removed.
    package final class Pending {
        let path: String
        let temporary: String
        package let sink: FileSink
        private var committed = false

        package init(path: String) throws(RebateError) {
            self.path = path
            let slash = path.lastIndex(of: "/")
            let folder = slash.map { String(path[..<$0]) } ?? "."
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            temporary = folder + "/." + name + ".tmp-\(getpid())"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw .io(path: temporary, reason: String(cString: strerror(errno))) }
            sink = FileSink(fd: fd, path: path)
        }

        deinit {
            close(sink.fd)
            if !committed { unlink(temporary) }
        }

        /// Flushes to disk, renames into place and syncs the folder.
        package func commit() throws(RebateError) {
            guard fsync(sink.fd) == 0 else {
                throw .io(path: path, reason: "fsync: " + String(cString: strerror(errno)))
            }
            guard rename(temporary, path) == 0 else {
                throw .io(path: path, reason: "rename: " + String(cString: strerror(errno)))
            }
            committed = true
            let slash = path.lastIndex(of: "/")
            AtomicFile.syncFolder(slash.map { String(path[..<$0]) } ?? ".")
        }
    }

    /// Streams a file through `body` to a temporary name, then flushes, renames and syncs the folder.
    static func write(path: String, _ body: (FileSink) throws(RebateError) -> Void) throws(RebateError) {
        let file = try Pending(path: path)
        try body(file.sink)
        try file.commit()
    }
}
