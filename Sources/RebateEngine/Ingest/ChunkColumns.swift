/// Room for one chunk's line values and window-lived ids, lent to chunk after chunk.
///
/// The CSV reader parses a window of chunks, groups the window's lines by partner into columns of
/// their own, and parses the next window into the same scratch: its pages are faulted in and
/// zeroed by the kernel once, not once a chunk (a fresh page costs about as much as parsing the
/// lines written to it).
/// `@unchecked Sendable`: one chunk at a time writes it, and it is read only after that chunk is parsed.
final class LineScratch: @unchecked Sendable {
    let capacity: Int
    /// The value columns, `capacity` lines each (a currency column only when asked for).
    let columns: MutableColumnPointers
    /// What a line's id needs only while its window is grouped: its hash in line order, its record
    /// start (as an offset from the chunk's origin), its line (relative to the chunk), its place in
    /// the bucket order, and its place in the window's grouped columns. The duplicate check keeps
    /// only the hash and that place, in bucket order, in columns of the chunk's own.
    let hash: UnsafeMutablePointer<UInt64>
    let recordOffset: UnsafeMutablePointer<UInt32>
    let line: UnsafeMutablePointer<UInt32>
    let bucketOrder: UnsafeMutablePointer<UInt32>
    let position: UnsafeMutablePointer<UInt32>

    init(capacity: Int, currencies: Bool) {
        self.capacity = capacity
        // Straight from the system, so that freeing really hands the memory back
        // (a malloc heap would keep it, and peak memory would count it twice).
        let n = max(1, capacity)
        func column<T>(_: T.Type) -> UnsafeMutableBufferPointer<T> {
            UnsafeMutableBufferPointer(start: PageMemory.allocate(T.self, n), count: n)
        }
        columns = MutableColumnPointers(
            partner: column(Int32.self), product: column(Int32.self), day: column(Int32.self),
            quantity: column(Int64.self), amount: column(Int64.self), currency: currencies ? column(UInt8.self) : nil)
        hash = PageMemory.allocate(UInt64.self, n)
        recordOffset = PageMemory.allocate(UInt32.self, n)
        line = PageMemory.allocate(UInt32.self, n)
        bucketOrder = PageMemory.allocate(UInt32.self, n)
        position = PageMemory.allocate(UInt32.self, n)
    }

    deinit {
        func free<T>(_ column: UnsafeMutableBufferPointer<T>) { PageMemory.free(column.baseAddress!, column.count) }
        free(columns.partner)
        free(columns.product)
        free(columns.day)
        free(columns.quantity)
        free(columns.amount)
        if let currency = columns.currency { free(currency) }
        let n = max(1, capacity)
        PageMemory.free(hash, n)
        PageMemory.free(recordOffset, n)
        PageMemory.free(line, n)
        PageMemory.free(bucketOrder, n)
        PageMemory.free(position, n)
    }
}

/// The accepted lines of one chunk: their values and window-lived ids (in a ``LineScratch``, its own
/// or lent) and, for the duplicate check that runs once every chunk is parsed, their id hashes and
/// places in the grouped columns, in bucket order.
///
/// A class so the parsers append without copy-on-write checks, and so the
/// storage is freed as soon as it has served.
/// `@unchecked Sendable`: one parser fills it; afterwards it is only read (and ``position`` written
/// once, by the grouping, for lines no other chunk has).
final class ChunkColumns: @unchecked Sendable {
    private(set) var count = 0
    let capacity: Int
    /// The value columns, in the scratch (this chunk's own, or lent until ``releaseValues()``), with
    /// a currency column when the dataset lists currencies.
    let values: MutableColumnPointers
    /// How many lines are in a listed currency: the chunk shows a currency column only if some are.
    private(set) var foreignLines = 0
    /// For duplicate detection, kept until it has run: each line's id hash (in bucket order, once
    /// ``bucketIDs()`` has run), and each line's place in the columns its window was grouped into (in
    /// bucket order, once ``keepPositions()`` has run). Only these 12 bytes a line outlive the
    /// window: the duplicate check finds a line's record by parsing its chunk again.
    private(set) var idHash: UnsafeMutablePointer<UInt64>
    private(set) var keptPosition: UnsafeMutablePointer<UInt32>
    /// Window-lived, in the scratch (valid until ``releaseValues()``): each line's id hash in line
    /// order (as the parser appends it), its record start (as an offset from ``origin``, four bytes where a position would take eight), its line (relative
    /// to the chunk), the lines ordered by id bucket (stable), and each line's place in the grouped
    /// columns (written by the grouping).
    let lineHash: UnsafeMutablePointer<UInt64>
    private let recordOffset: UnsafeMutablePointer<UInt32>
    let line: UnsafeMutablePointer<UInt32>
    let bucketOrder: UnsafeMutablePointer<UInt32>
    let position: UnsafeMutablePointer<UInt32>
    /// Where the chunk's bytes start in its file: no record of the chunk starts before.
    let origin: Int
    /// Where each bucket starts in the bucket order.
    private(set) var bucketStarts = [Int32](repeating: 0, count: ChunkColumns.idBuckets + 1)
    private var idsReleased = false
    /// The values' storage: lent (and used again by a later chunk once ``releaseValues()`` is called) or its own.
    private var scratch: LineScratch?
    /// Ids are checked for duplicates in this many buckets (by the top bits of their hash).
    static let idBuckets = 1 << 10

    /// Storage for `capacity` lines; the values go to `scratch` when it is given (it must hold
    /// `capacity` lines, and a currency column when `currencies`), else to storage of their own.
    init(capacity: Int, currencies: Bool = false, scratch lent: LineScratch? = nil, origin: Int = 0) {
        self.capacity = capacity
        self.origin = origin
        let scratch = lent ?? LineScratch(capacity: capacity, currencies: currencies)
        let values = scratch.columns
        precondition(scratch.capacity >= capacity && (!currencies || values.currency != nil))
        self.scratch = scratch
        var columns = values
        if !currencies { columns.currency = nil }
        self.values = columns
        lineHash = scratch.hash
        recordOffset = scratch.recordOffset
        line = scratch.line
        bucketOrder = scratch.bucketOrder
        position = scratch.position
        // Straight from the system, so that freeing really hands the memory back
        // (a malloc heap would keep it, and peak memory would count it twice).
        idHash = PageMemory.allocate(UInt64.self, max(1, capacity))
        keptPosition = PageMemory.allocate(UInt32.self, max(1, capacity))
    }

    deinit {
        releaseAll()
    }

    /// Frees every column: for `split`, once the chunk's records are listed, so the parsed chunks
    /// are not all held at once beside the list. ``columns`` must not be read afterwards.
    func releaseAll() {
        releaseIDs()
        releaseValues()
    }

    /// Gives the values' storage back (to be lent to another chunk, or freed): once the lines are
    /// grouped. ``columns`` and the window-lived ids must not be read afterwards.
    func releaseValues() {
        scratch = nil
    }

    /// Frees the duplicate-detection columns once duplicates are known.
    func releaseIDs() {
        guard !idsReleased else { return }
        idsReleased = true
        let n = max(1, capacity)
        PageMemory.free(idHash, n)
        PageMemory.free(keptPosition, n)
    }

    /// Keeps each line's place in the grouped columns (``position``, written by the grouping) in
    /// bucket order, beside its hash, before the window's scratch is lent again.
    func keepPositions() {
        for k in 0..<count { keptPosition[k] = position[Int(bucketOrder[k])] }
    }

    /// Orders this chunk's ids by bucket, keeping file order within a bucket: a counting sort
    /// small enough to stay in cache, done as the chunk finishes. Afterwards `idHash[k]` is the
    /// hash of line `bucketOrder[k]`, so a bucket's hashes are read contiguously.
    func bucketIDs() {
        var starts = [Int32](repeating: 0, count: Self.idBuckets + 1)
        let shift = UInt64(64 - Self.idBuckets.trailingZeroBitCount)
        for i in 0..<count { starts[Int(lineHash[i] >> shift) + 1] += 1 }
        for b in 0..<Self.idBuckets { starts[b + 1] += starts[b] }
        bucketStarts = starts
        // Written once, in bucket order, to the chunk's own column: the line-order hashes stay in the scratch.
        for i in 0..<count {
            let h = lineHash[i]
            let b = Int(h >> shift)
            let k = Int(starts[b])
            bucketOrder[k] = UInt32(i)
            idHash[k] = h
            starts[b] += 1
        }
    }

    /// Where line `i`'s record starts in its file.
    @inline(__always)
    func recordStart(_ i: Int) -> Int { origin + Int(recordOffset[i]) }

    /// How many of this chunk's ids fall in bucket `b`.
    func bucketCount(_ b: Int) -> Int { Int(bucketStarts[b + 1] - bucketStarts[b]) }

    /// Positions `k` (into `idHash` and `bucketOrder`) of bucket `b`, in file order.
    func bucket(_ b: Int) -> Range<Int> { Int(bucketStarts[b])..<Int(bucketStarts[b + 1]) }

    /// Read-only views of the five columns, valid until ``releaseValues()``.
    var columns: ColumnPointers {
        precondition(scratch != nil, "the chunk's values were released")
        return
            ColumnPointers(
                partner: UnsafeBufferPointer(rebasing: values.partner[..<count]),
                product: UnsafeBufferPointer(rebasing: values.product[..<count]),
                day: UnsafeBufferPointer(rebasing: values.day[..<count]),
                quantity: UnsafeBufferPointer(rebasing: values.quantity[..<count]),
                amount: UnsafeBufferPointer(rebasing: values.amount[..<count]),
                currency: foreignLines > 0 ? values.currency.map { UnsafeBufferPointer(rebasing: $0[..<count]) } : nil)
    }

    /// Appends lines through an ``Appender`` that holds the column pointers and the count in locals:
    /// a store through a column pointer may alias this object's fields, so a loop appending through
    /// the object would reload them after every store. The count is written back once.
    @inline(__always)
    func appending<R>(_ body: (inout Appender) -> R) -> R {
        var a = Appender(
            values: values, idHash: lineHash, recordOffset: recordOffset, line: line, origin: origin,
            capacity: capacity,
            count: count)
        let result = body(&a)
        count = a.count
        foreignLines += a.foreignLines
        return result
    }

    /// Appends one line; see ``appending(_:)`` for a loop of them.
    @inline(__always)
    func append(
        partner p: Int32, product k: Int32, day d: Int32, quantity q: Int64, amount a: Int64, currency c: Int,
        idHash h: UInt64, recordStart r: Int, line l: UInt32
    ) {
        appending {
            $0.append(
                partner: p, product: k, day: d, quantity: q, amount: a, currency: c, idHash: h, recordStart: r, line: l)
        }
    }

    /// A chunk's columns and count, held by a loop that appends lines (``appending(_:)``).
    struct Appender {
        let values: MutableColumnPointers
        let idHash: UnsafeMutablePointer<UInt64>
        let recordOffset: UnsafeMutablePointer<UInt32>
        let line: UnsafeMutablePointer<UInt32>
        let origin: Int
        let capacity: Int
        var count: Int
        var foreignLines = 0

        @inline(__always)
        mutating func append(
            partner p: Int32, product k: Int32, day d: Int32, quantity q: Int64, amount a: Int64, currency c: Int,
            idHash h: UInt64, recordStart r: Int, line l: UInt32
        ) {
            precondition(count < capacity, "chunk capacity is one more than its line breaks")
            if let currency = values.currency {
                currency[count] = UInt8(truncatingIfNeeded: c)
                if c != 0 { foreignLines += 1 }
            }
            values.partner[count] = p
            values.product[count] = k
            values.day[count] = d
            values.quantity[count] = q
            values.amount[count] = a
            idHash[count] = h
            // The parser starts every record of a chunk at or after its origin, less than 4 GiB past it.
            assert(r >= origin && r - origin <= Int(UInt32.max))
            recordOffset[count] = UInt32(truncatingIfNeeded: r &- origin)
            line[count] = l
            count += 1
        }
    }
}
