#if canImport(Glibc)
import Glibc
#endif

/// Memory mapped straight from the system: untouched pages cost nothing, and freeing returns it.
enum PageMemory {
    static func allocate<T>(_: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        let bytes = count * MemoryLayout<T>.stride
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED
        else {
            preconditionFailure("out of memory: \(bytes) bytes")
        }
        return p.bindMemory(to: T.self, capacity: count)
    }

    static func free<T>(_ p: UnsafeMutablePointer<T>, _ count: Int) {
        munmap(UnsafeMutableRawPointer(p), count * MemoryLayout<T>.stride)
    }
}
