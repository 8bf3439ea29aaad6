#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's bytes, memory-mapped read-only so a multi-gigabyte input is never copied.
final class FileBytes: @unchecked Sendable {
    // Sendable: the mapping is read-only and lives as long as this object.
    let buffer: UnsafeBufferPointer<UInt8>
    /// Whether the bytes are a file mapping (an empty file is not mapped).
    let isMapped: Bool

    init(path: String) throws(RebateError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        if size == 0 {
            buffer = UnsafeBufferPointer(start: nil, count: 0)
            isMapped = false
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw .io(path: path, reason: "cannot map: " + String(cString: strerror(errno)))
        }
        madvise(p, size, MADV_WILLNEED)
        buffer = UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: size)
        isMapped = true
    }

    deinit {
        if isMapped, let base = buffer.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), buffer.count)
        }
    }

    /// Drops the whole pages of `range` from this process's mapping of `bytes`
    /// (a read-only file mapping: they come back from the page cache if touched again).
    /// - Precondition: `bytes` is a read-only file mapping (on anonymous memory this would zero it).
    static func release(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard let base = bytes.baseAddress else { return }
        let page = UInt(4096)
        let from = UInt(bitPattern: base + range.lowerBound)
        let to = UInt(bitPattern: base + range.upperBound)
        let start = (from + page - 1) / page * page
        let end = to / page * page
        if end > start { madvise(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), MADV_DONTNEED) }
    }

    /// The bytes of a (small) file, copied while its mapping is alive.
    static func contents(_ path: String) throws(RebateError) -> [UInt8] {
        let file = try FileBytes(path: path)
        return withExtendedLifetime(file) { Array(file.buffer) }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}
