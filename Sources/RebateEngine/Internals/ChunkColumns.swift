/// The accepted lines of one chunk, in storage sized once for the chunk.
///
/// A class so the parsers append without copy-on-write checks, and so the
/// storage is freed as soon as the chunk has been joined.
/// `@unchecked Sendable`: one parser fills it; afterwards it is only read.
final class ChunkColumns: @unchecked Sendable {
    private(set) var count = 0
    let capacity: Int
    let partner: UnsafeMutablePointer<Int32>
    let product: UnsafeMutablePointer<Int32>
    let day: UnsafeMutablePointer<Int32>
    let quantity: UnsafeMutablePointer<Int64>
    let amount: UnsafeMutablePointer<Int64>
    /// For duplicate detection: each line's id hash, record start and line (relative to the chunk).
    private(set) var idHash: UnsafeMutablePointer<UInt64>
    private(set) var recordStart: UnsafeMutablePointer<Int>
    private(set) var line: UnsafeMutablePointer<UInt32>
    private var idsReleased = false

    init(capacity: Int) {
        self.capacity = capacity
        // Straight from the system, so that freeing really hands the memory back
        // (a malloc heap would keep it, and peak memory would count it twice).
        partner = PageMemory.allocate(Int32.self, max(1, capacity))
        product = PageMemory.allocate(Int32.self, max(1, capacity))
        day = PageMemory.allocate(Int32.self, max(1, capacity))
        quantity = PageMemory.allocate(Int64.self, max(1, capacity))
        amount = PageMemory.allocate(Int64.self, max(1, capacity))
        idHash = PageMemory.allocate(UInt64.self, max(1, capacity))
        recordStart = PageMemory.allocate(Int.self, max(1, capacity))
        line = PageMemory.allocate(UInt32.self, max(1, capacity))
    }

    deinit {
        let n = max(1, capacity)
        PageMemory.free(partner, n); PageMemory.free(product, n); PageMemory.free(day, n)
        PageMemory.free(quantity, n); PageMemory.free(amount, n)
        releaseIDs()
    }

    /// Frees the duplicate-detection columns once duplicates are known.
    func releaseIDs() {
        guard !idsReleased else { return }
        idsReleased = true
        let n = max(1, capacity)
        PageMemory.free(idHash, n); PageMemory.free(recordStart, n); PageMemory.free(line, n)
    }

    @inline(__always)
    func append(partner p: Int32, product k: Int32, day d: Int32, quantity q: Int64, amount a: Int64, idHash h: UInt64, recordStart r: Int, line l: UInt32) {
        precondition(count < capacity, "chunk capacity is one more than its line breaks")
        partner[count] = p
        product[count] = k
        day[count] = d
        quantity[count] = q
        amount[count] = a
        idHash[count] = h
        recordStart[count] = r
        line[count] = l
        count += 1
    }

    var idHashes: UnsafeBufferPointer<UInt64> { UnsafeBufferPointer(start: idHash, count: count) }
}
