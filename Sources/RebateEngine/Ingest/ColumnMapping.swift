import Dispatch

/// The line columns inside a memory-mapped columnar file.
///
/// `@unchecked Sendable`: the mapping is read-only (`PROT_READ`) and is
/// unmapped only when the last reference to its file goes away.
final class ColumnMapping: @unchecked Sendable {
    let file: FileBytes
    let count: Int
    /// The columns, inside the mapping.
    let columns: ColumnPointers

    /// Views the columns of a mapped file; the offsets must be aligned for their element type.
    init(file: FileBytes, count: Int, offsets: [Int], currencyOffset: Int? = nil) {
        self.file = file
        self.count = count
        let base = UnsafeRawPointer(file.buffer.baseAddress!)
        func column<T>(_ i: Int, _: T.Type) -> UnsafeBufferPointer<T> {
            UnsafeBufferPointer(start: (base + offsets[i]).assumingMemoryBound(to: T.self), count: count)
        }
        columns = ColumnPointers(
            partner: column(0, Int32.self), product: column(1, Int32.self), day: column(2, Int32.self),
            quantity: column(3, Int64.self), amount: column(4, Int64.self),
            currency: currencyOffset.map {
                UnsafeBufferPointer(start: (base + $0).assumingMemoryBound(to: UInt8.self), count: count)
            })
    }
}

/// A fast 64-bit checksum over bytes, defined block by block so it can be
/// computed in parallel with the same result: each 1 MiB block is hashed with
/// four independent lanes, and the block hashes are hashed in order.
enum BlockChecksum {
    static let blockSize = 1 << 20

    static func block(_ p: UnsafeRawBufferPointer) -> UInt64 {
        var a: UInt64 = 0x243F_6A88_85A3_08D3
        var b: UInt64 = 0x1319_8A2E_0370_7344
        var c: UInt64 = 0xA409_3822_299F_31D0
        var d: UInt64 = 0x082E_FA98_EC4E_6C89
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var i = 0
        let n = p.count
        while i + 32 <= n {
            a = (a ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
            a ^= a >> 29
            b = (b ^ p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)) &* k
            b ^= b >> 29
            c = (c ^ p.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)) &* k
            c ^= c >> 29
            d = (d ^ p.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)) &* k
            d ^= d >> 29
            i += 32
        }
        var tail: UInt64 = UInt64(n)
        while i < n {
            tail = (tail ^ UInt64(p[i])) &* 0x100_0000_01B3
            i += 1
        }
        return mix(mix(mix(mix(a, b), c), d), tail)
    }

    @inline(__always)
    static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        var x = (h ^ v) &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        return x &* 0xC4CE_B9FE_1A85_EC53
    }

    /// The checksum of `p`, from its blocks (hashed on `threads` threads).
    static func of(_ p: UnsafeRawBufferPointer, threads: Int) -> UInt64 {
        let blocks = (p.count + blockSize - 1) / blockSize
        var hashes = [UInt64](repeating: 0, count: blocks)
        hashes.withUnsafeMutableBufferPointer { h in
            let out = UnsafeTransfer(h)
            // Read-only: the bytes are not written while the checksum workers run.
            let input = UnsafeTransfer(p)
            let work = { @Sendable (i: Int) in
                let lo = i * blockSize
                out.wrappedValue[i] = block(
                    UnsafeRawBufferPointer(
                        rebasing: input.wrappedValue[lo..<min(input.wrappedValue.count, lo + blockSize)]))
            }
            if threads <= 1 || blocks < 2 {
                for i in 0..<blocks { work(i) }
            } else {
                DispatchQueue.concurrentPerform(iterations: blocks, execute: work)
            }
        }
        return hashes.reduce(UInt64(p.count)) { mix($0, $1) }
    }
}
