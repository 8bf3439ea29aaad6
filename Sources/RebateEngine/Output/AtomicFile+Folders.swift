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

extension AtomicFile {
    /// The names in a folder, `.` and `..` left out; empty when it cannot be read.
    static func names(in folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    static func isFolder(_ path: String) -> Bool {
        var s = stat()
        return lstat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var s = stat()
        return lstat(path, &s) == 0
    }

    /// Removes a file, or a folder and everything below it; a missing path is fine.
    static func removeTreeRecursively(_ path: String) {
        if isFolder(path) {
            for name in names(in: path) { removeTreeRecursively(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Recreates `from` at `to` with hard links to its files (folders made anew, links copied).
    static func linkTree(_ from: String, to: String) throws(RebateError) {
        var s = stat()
        guard lstat(from, &s) == 0 else { return }
        switch s.st_mode & S_IFMT {
        case S_IFDIR:
            guard mkdir(to, s.st_mode & 0o7777) == 0 || errno == EEXIST else {
                throw .io(path: to, reason: String(cString: strerror(errno)))
            }
            for name in names(in: from) { try linkTree(from + "/" + name, to: to + "/" + name) }
        case S_IFLNK:
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(from, &target, target.count - 1)
            let destination = String(decoding: target.prefix(max(0, n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard n >= 0, symlink(destination, to) == 0 else {
                throw .io(path: to, reason: String(cString: strerror(errno)))
            }
        default:
            guard link(from, to) == 0 else { throw .io(path: to, reason: String(cString: strerror(errno))) }
        }
    }

    /// Flushes the file system holding `path` (every file written into a staging folder at once).
    static func syncFileSystem(of path: String) {
        typealias SyncFS = @convention(c) (Int32) -> Int32
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if let symbol = dlsym(nil, "syncfs") {
            _ = unsafeBitCast(symbol, to: SyncFS.self)(fd)
        } else {
            sync()
        }
    }

    /// Swaps two paths in one step (`renameat2` with `RENAME_EXCHANGE`); `false` where the file
    /// system or the C library cannot.
    static func exchange(_ a: String, _ b: String) -> Bool {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        // Not in the Glibc module's headers; found at run time (glibc 2.28 and later).
        guard let symbol = dlsym(nil, "renameat2") else { return false }
        let renameAt2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let exchangeFlag: UInt32 = 2 // RENAME_EXCHANGE
        return renameAt2(AT_FDCWD, a, AT_FDCWD, b, exchangeFlag) == 0
    }
}
