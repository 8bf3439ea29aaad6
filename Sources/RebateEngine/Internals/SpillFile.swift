#if canImport(Glibc)
import Glibc
#endif

/// A temporary file of fixed-size entries, written through a buffer and read back in blocks:
/// what `split` keeps on disk instead of in memory.
final class SpillFile {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let bufferBytes: Int
    /// Bytes appended so far.
    private(set) var size = 0

    /// Creates (or empties) the file at `path`.
    init(path: String, bufferBytes: Int = 1 << 20) throws(RebateError) {
        self.path = path
        self.bufferBytes = bufferBytes
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(bufferBytes)
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Appends the bytes of a trivial value (an entry).
    func append<T: BitwiseCopyable>(_ value: T) throws(RebateError) {
        withUnsafeBytes(of: value) { buffer.append(contentsOf: $0) }
        size += MemoryLayout<T>.size
        if buffer.count >= bufferBytes { try flush() }
    }

    /// Writes out what the buffer holds.
    func flush() throws(RebateError) {
        let result: Result<Void, RebateError> = buffer.withUnsafeBytes { p in
            Result { () throws(RebateError) in try FileSink(fd: fd, path: path).write(p) }
        }
        try result.get()
        buffer.removeAll(keepingCapacity: true)
    }

    /// The entries `range` (in entry indices) as values; safe from several threads once
    /// ``flush()`` has written everything out (reads do not move a shared offset).
    func read<T: BitwiseCopyable>(_: T.Type, _ range: Range<Int>) throws(RebateError) -> [T] {
        precondition(buffer.isEmpty, "flush before reading")
        let stride = MemoryLayout<T>.stride
        var out = [T].uninitialized(count: range.count)
        let want = range.count * stride
        let got = out.withUnsafeMutableBytes { p -> Int in
            var done = 0
            while done < want {
                let n = pread(fd, p.baseAddress! + done, want - done, off_t(range.lowerBound * stride + done))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
            return done
        }
        guard got == want else { throw .io(path: path, reason: "short read of a temporary file") }
        return out
    }

    /// The number of entries of type `T` written.
    func count<T>(of _: T.Type) -> Int { size / MemoryLayout<T>.stride }
}
