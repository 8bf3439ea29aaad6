import Dispatch

/// Reads `transactions.csv` into columns in parallel, rejecting bad lines with reasons.
///
/// The file is cut into chunks at line breaks and every chunk is parsed at
/// once, each assuming a record starts where it does. A sequential check
/// then walks the chunks: where the previous chunk's last record ran past
/// the cut (a quoted line break), the chunk is parsed again from where that
/// record really ended. The result, rejects and line numbers included, is
/// exactly that of one sequential pass, for any chunk size and thread count.
/// Line numbers come from counting line breaks before a record, so they
/// need no sequential state. Duplicate `line_id`s are found afterwards by
/// hashing the ids of accepted lines into buckets, processed in parallel.
struct TransactionCSVReader {
    let partners: [Partner]
    let products: [Product]
    let decimals: Int
    var threads: Int
    /// Target chunk size; tests make it tiny to put cuts everywhere.
    var chunkBytes = 4 << 20
    /// About how many input bytes ``read(_:)`` groups into one segment; by default at least 64 MiB,
    /// eight chunks a thread and 4 KiB a partner (so a partner's run in a segment is not a line or two).
    var segmentBytes: Int?
    /// The most bytes a chunk spans, even inside one line (see ``cut(_:headers:chunkBytes:maxPieceBytes:)``);
    /// tests make it tiny to cut inside lines.
    var maxPieceBytes = Int(UInt32.max)
    var progress: RunProgress?
    /// Set only when `bytes` is a read-only file mapping, whose pages can be dropped once parsed.
    var releasesPages = false
    /// The book currency's code: a line whose optional `currency` column holds another code is
    /// converted when that currency is listed, and rejected otherwise, never read as book money.
    var bookCurrency: [UInt8] = []
    /// The listed currencies and their rates (SPEC section 11).
    var rates = ExchangeRates()

    /// Sets the book currency and the listed currencies' rates that lines are converted with.
    mutating func currencies(_ agreements: AgreementSet, _ rates: ExchangeRates) {
        bookCurrency = Array(agreements.currency.utf8)
        self.rates = rates
    }

    /// The optional columns that say what currency a line's amount is in, and at what rate (SPEC section 11).
    static let currencyColumn = "currency"
    static let rateColumn = "rate"
    static let requiredColumns = ["line_id", "date", "partner_id", "product_id", "quantity", "amount"]
    /// Values of 10^12 or more are refused (SPEC section 1).
    static let magnitudeLimitUnits: Int64 = 1_000_000_000_000

    struct Output {
        /// The accepted lines: one set of columns a window, each grouped by partner, less the duplicates.
        var lines: LineSegments
        var rejects: [TransactionReject]
        var totals: IngestTotals
        /// Unless ``output`` is `.columns`: every accepted line in input order.
        var records: [AcceptedRecord] = []

        /// The accepted lines as one set of columns grouped by partner, file order within a partner.
        /// - Complexity: O(lines) the first time (a join of the windows); kept.
        var columns: TransactionColumns { lines.joined }
    }

    /// Where an accepted line is, for `rebate split`, which copies lines as they were written.
    struct AcceptedRecord {
        var file: Int32
        var partner: Int32
        /// The record's bytes in its file, without the line break (`end` only from ``stream(_:windowBytes:_:)``).
        var start: Int
        var end: Int
        /// Its line number in its file, and the hash of its `line_id` (``ByteKeyTable/hash``).
        var line: Int32
        var idHash: UInt64
    }

    /// What ``read(_:)`` returns: the columns (for the engine), or the columns and the accepted records
    /// (for the incremental import, which needs where each line went).
    enum OutputKind {
        case columns, both
    }

    /// What to return; `.columns` unless set.
    var output = OutputKind.columns

    /// What one chunk parse produced.
    struct Chunk {
        /// The index of the file the chunk belongs to.
        var file = 0
        var start = 0, end = 0
        /// The `to` it was parsed with: parsing `start..<limit` again gives the same chunk.
        var limit = 0
        /// Line breaks between `start` and `end`.
        var lines = 0
        /// Accepted lines; line numbers are relative to `start` until joined.
        var columns = ChunkColumns(capacity: 0)
        var rejects: [TransactionReject] = [] // `line` relative to `start`
        var totals = IngestTotals()

        /// Keeps an accepted line: its columns, the accepted totals and, for a line in a listed
        /// currency (`currency` k > 0, `invoiced` its amount as written), that currency's totals.
        /// The general paths accept through here; the fused path appends a run of lines and counts
        /// them through the same two counters, so the totals reconcile whichever path read a line.
        @inline(__always)
        mutating func accept(
            partner: Int32, product: Int32, day: Int32, quantity: Int64, amount: Int64, currency: Int,
            invoiced: Int64, idHash: UInt64, recordStart: Int, line: Int, rates: ExchangeRates
        ) {
            columns.append(
                partner: partner, product: product, day: day, quantity: quantity, amount: amount, currency: currency,
                idHash: idHash, recordStart: recordStart, line: UInt32(line))
            countAccepted(lines: 1, quantity: Int128(quantity), amount: Int128(amount))
            if currency > 0 { countForeign(currency, invoiced: invoiced, book: amount, rates: rates) }
        }

        /// Counts `lines` accepted lines whose quantities and book amounts add up to `quantity` and `amount`.
        @inline(__always)
        mutating func countAccepted(lines: Int, quantity: Int128, amount: Int128) {
            totals.linesAccepted += lines
            totals.acceptedQuantity += Quantity(milliUnits: quantity)
            totals.acceptedAmount += Money(minorUnits: amount)
        }

        /// Counts an accepted line in listed currency `currency` (k > 0: `rates.currencies[k - 1]`).
        mutating func countForeign(_ currency: Int, invoiced: Int64, book: Int64, rates: ExchangeRates) {
            let listed = rates.currencies[currency - 1]
            totals.addForeign(listed.code, decimals: listed.decimals, amount: invoiced, book: book)
        }
    }

    /// Column positions and look-up tables shared read-only by the chunk parsers.
    struct Context {
        let bytes: UnsafeBufferPointer<UInt8>
        let columns: [Int]
        let fieldCount: Int
        let decimals: Int
        let partners: ByteKeyTable.Lookup
        let products: ByteKeyTable.Lookup
        let fileName: String
        let partnerCount: Int
        /// The book currency's code, for the optional `currency` column (`columns[6]`, -1 when absent)
        /// and `rate` column (`columns[7]`).
        let bookCurrency: [UInt8]
        let rates: ExchangeRates
        /// ``CivilDate/monthStarts``, held here so the parsers read it without a global's once-check.
        let monthStarts = CivilDate.monthStarts
    }

    /// One transactions file: its name as `rejects.csv` writes it, and its bytes.
    struct SourceFile {
        var name: String
        var bytes: UnsafeBufferPointer<UInt8>
        /// Set only when `bytes` is a read-only file mapping, whose pages can be dropped once parsed.
        var releasesPages = false
    }

    /// Reads one transactions file.
    func read(_ bytes: UnsafeBufferPointer<UInt8>, fileName: String) throws(RebateError) -> Output {
        try read([SourceFile(name: fileName, bytes: bytes, releasesPages: releasesPages)])
    }

    /// Reads transactions files in the order given, as if they were one file (SPEC section 1):
    /// each has its own header, line numbers count within each file, and a `line_id` already
    /// accepted in an earlier file is a duplicate.
    ///
    /// The chunks of every file are parsed together, so many small daily files use every core. They
    /// are parsed a window at a time into scratch columns lent from window to window, and each
    /// window's lines are grouped by partner into columns of their own (``LineSegments``): a line is
    /// written once to fresh memory, not once into its chunk and again into one join of every line.
    /// - Throws: ``RebateError/invalidInput(_:)`` naming every file whose header is unusable.
    /// - Complexity: O(input bytes + windows × partners).
    // One piece: cut, parse and group window by window, then the duplicate check over every window.
    func read(_ files: [SourceFile]) throws(RebateError) -> Output {
        let headers = try Self.headers(files)
        let work = Self.cut(files, headers: headers, chunkBytes: chunkBytes, maxPieceBytes: maxPieceBytes)
        let partnerCount = partners.count
        return withContexts(files, headers: headers) { contexts in
            progress?.begin(.reading, total: work.count)
            var cursor = Cursor()
            var read = WindowedRead()
            // The most lines a piece can hold, for the scratch every piece of a window borrows one of.
            let capacity = work.reduce(1) { max($0, ($1.to - $1.from) / max(1, headers[$1.file].fieldCount) + 1) }
            let foreign = !rates.currencies.isEmpty
            let window = segmentBytes ?? max(threads * 8 * chunkBytes, 4096 * partnerCount, 64 << 20)
            var scratch: [LineScratch] = []
            for pieces in Self.windows(work, bytes: window) {
                while scratch.count < pieces.count {
                    scratch.append(LineScratch(capacity: capacity, currencies: foreign))
                }
                let (chunks, base) = Self.parse(
                    work[pieces], contexts: contexts, files: files, headers: headers, cursor: &cursor,
                    progress: progress, scratch: scratch)
                read.add(chunks, base: base, partners: partnerCount, threads: threads, records: output != .columns)
            }
            scratch = []
            progress?.begin(.checkingIDs, total: 1)
            return Self.finish(contexts, read, threads: threads, bounds: lineBounds)
        }
    }

    /// What this reader checks every accepted line against.
    var lineBounds: TransactionColumns.LineBounds {
        TransactionColumns.LineBounds(
            partners: partners.count, products: products.count, decimals: decimals, currencies: rates.currencies.count)
    }

    /// Calls `body` with each file's parse context: its columns and the id look-up tables, which
    /// live only for the call.
    func withContexts<R>(
        _ files: [SourceFile], headers: [(columns: [Int], fieldCount: Int, bodyStart: Int)],
        _ body: ([Context]) -> R
    ) -> R {
        var partnerTable = ByteKeyTable(capacity: partners.count)
        for (i, p) in partners.enumerated() { _ = partnerTable.insert(p.id, value: Int32(i)) }
        var productTable = ByteKeyTable(capacity: products.count)
        for (i, p) in products.enumerated() { _ = productTable.insert(p.id, value: Int32(i)) }
        return partnerTable.withLookup { partnerLookup in
            productTable.withLookup { productLookup in
                body(
                    files.enumerated().map { f, file in
                        Context(
                            bytes: file.bytes, columns: headers[f].columns, fieldCount: headers[f].fieldCount,
                            decimals: decimals, partners: partnerLookup, products: productLookup,
                            fileName: file.name, partnerCount: partners.count, bookCurrency: bookCurrency,
                            rates: rates)
                    })
            }
        }
    }

    /// Where the sequential fix-up of ``parse(_:contexts:files:headers:cursor:progress:)`` stands:
    /// the file of the last chunk, where its next chunk must start, and the line number there.
    struct Cursor {
        var file = -1
        var position = 0
        var line = 0
    }

    /// Parses `pieces` in parallel, then makes them follow each other exactly: where a record ran
    /// past a cut, the next chunk of the file is parsed again from where it ended. `cursor` carries
    /// that across calls, so a file can be read in windows of pieces with the same result.
    /// - Returns: the chunks, and the line number each starts on.
    static func parse(
        _ pieces: ArraySlice<(file: Int, from: Int, to: Int)>, contexts: [Context], files: [SourceFile],
        headers: [(columns: [Int], fieldCount: Int, bodyStart: Int)], cursor: inout Cursor, progress: RunProgress?,
        scratch: [LineScratch]? = nil
    ) -> (chunks: [Chunk], base: [Int]) {
        let work = Array(pieces)
        var chunks = [Chunk](repeating: Chunk(), count: work.count)
        let releases = files.map(\.releasesPages)
        chunks.withUnsafeMutableBufferPointer { out in
            // Disjoint writes: a worker fills only the chunk it was handed.
            let results = UnsafeTransfer(out)
            // Read-only: the bytes and look-up tables are not written while the parsers run.
            let shared = UnsafeTransfer(contexts)
            DispatchQueue.concurrentPerform(iterations: work.count) { c in
                let piece = work[c]
                let context = shared.wrappedValue[piece.file]
                results.wrappedValue[c] = Self.parse(context, from: piece.from, to: piece.to, scratch: scratch?[c])
                results.wrappedValue[c].file = piece.file
                // The chunk's bytes are read: let the kernel drop its pages from this process
                // (they stay in the page cache, should a record be read again).
                if releases[piece.file] { FileBytes.release(context.bytes, piece.from..<piece.to) }
                progress?.advance()
            }
        }
        // Chunks then follow each other exactly: each starts on the line after the previous one's breaks.
        var base = [Int](repeating: 0, count: work.count)
        for c in 0..<work.count {
            let piece = work[c]
            if cursor.file != piece.file {
                cursor.file = piece.file
                cursor.position = headers[piece.file].bodyStart
                cursor.line = 1 + files[piece.file].bytes[0..<cursor.position].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            }
            if chunks[c].start != cursor.position {
                chunks[c] =
                    cursor.position >= piece.to
                    ? Chunk(start: cursor.position, end: cursor.position)
                    : Self.parse(contexts[piece.file], from: cursor.position, to: piece.to, scratch: scratch?[c])
                chunks[c].file = piece.file
            }
            cursor.position = chunks[c].end
            base[c] = cursor.line
            cursor.line += chunks[c].lines
        }
        return (chunks, base)
    }

    /// Every file's header, or every problem found in them.
    static func headers(_ files: [SourceFile]) throws(RebateError) -> [(
        columns: [Int], fieldCount: Int, bodyStart: Int
    )] {
        var problems: [InputProblem] = []
        var headers: [(columns: [Int], fieldCount: Int, bodyStart: Int)] = []
        for file in files {
            switch header(file) {
            case .success(let h): headers.append(h)
            case .failure(let problem): problems.append(problem)
            }
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        return headers
    }

    /// Cut points of every file: just after a line break, roughly every `chunkBytes`; the pieces in file order.
    ///
    /// A piece spans at most `maxPieceBytes` (a chunk keeps its records' starts as four-byte
    /// offsets): where no line break comes within that, the cut falls inside a line, and the
    /// sequential fix-up of ``parse(_:contexts:files:headers:cursor:progress:scratch:)`` parses the
    /// next piece again from where that record really ends, as it does after a quoted line break.
    static func cut(
        _ files: [SourceFile], headers: [(columns: [Int], fieldCount: Int, bodyStart: Int)], chunkBytes: Int,
        maxPieceBytes: Int = Int(UInt32.max)
    ) -> [(file: Int, from: Int, to: Int)] {
        let step = max(1, min(chunkBytes, maxPieceBytes / 2))
        var pieces: [(file: Int, from: Int, to: Int)] = []
        for (f, file) in files.enumerated() {
            let bytes = file.bytes
            var cuts = [headers[f].bodyStart]
            var p = headers[f].bodyStart + step
            while p < bytes.count {
                while p < bytes.count, bytes[p - 1] != 10, p - cuts[cuts.count - 1] < maxPieceBytes { p += 1 }
                if p < bytes.count { cuts.append(p) }
                p += step
            }
            cuts.append(max(bytes.count, headers[f].bodyStart))
            for c in 0..<(cuts.count - 1) { pieces.append((f, cuts[c], cuts[c + 1])) }
        }
        return pieces
    }

    /// The pieces in windows of about `bytes` each (at least one piece a window), in order.
    static func windows(_ pieces: [(file: Int, from: Int, to: Int)], bytes: Int) -> [Range<Int>] {
        var windows: [Range<Int>] = []
        var first = 0
        while first < pieces.count {
            var last = first
            var size = 0
            while last < pieces.count, size < bytes || last == first {
                size += pieces[last].to - pieces[last].from
                last += 1
            }
            windows.append(first..<last)
            first = last
        }
        return windows
    }

    /// The required columns' positions in a file's header, or why it has none usable.
    static func header(_ file: SourceFile) -> Result<(columns: [Int], fieldCount: Int, bodyStart: Int), InputProblem> {
        var scanner = CSVScanner(bytes: file.bytes)
        var fields: [CSVField] = []
        guard let header = scanner.next(fields: &fields), header.error == nil else {
            return .failure(
                InputProblem(
                    file: file.name, line: 1,
                    reason: "a header row is required (\(requiredColumns.joined(separator: ",")))"))
        }
        var positions: [String: Int] = [:]
        for (i, f) in fields.enumerated() where positions[scanner.text(f)] == nil { positions[scanner.text(f)] = i }
        let missing = requiredColumns.filter { positions[$0] == nil }
        if !missing.isEmpty {
            return .failure(
                InputProblem(
                    file: file.name, line: header.line,
                    reason: "missing required column\(missing.count == 1 ? "" : "s") " + missing.joined(separator: ", ")
                ))
        }
        // The required columns, then the optional currency and rate columns (-1 when the file has none).
        let columns =
            requiredColumns.map { positions[$0]! } + [positions[currencyColumn] ?? -1, positions[rateColumn] ?? -1]
        return .success((columns, fields.count, scanner.position))
    }

    /// Parses the records that start in `from..<to`.
    ///
    /// Plain records (no quote, ASCII, the right field count) take a fast path
    /// that reads fields straight from the bytes; anything else goes through
    /// the full RFC 4180 scanner, one record at a time.
    // One piece: the parse hot loop (fast path and full scanner) keeps its cursor and chunk in locals.
    static func parse(_ cx: Context, from: Int, to: Int, scratch: LineScratch? = nil) -> Chunk {
        let bytes = cx.bytes
        // Record starts are kept as four-byte offsets from `from`.
        precondition(to - from <= Int(UInt32.max), "a chunk of transactions.csv is cut under 4 GiB")
        // Every accepted record takes at least one byte per field (its comma or line break):
        // an upper bound that costs no pass over the bytes, and untouched pages cost no memory.
        var chunk = Chunk(
            start: from, end: from, limit: to,
            columns: ChunkColumns(
                capacity: (to - from) / max(1, cx.fieldCount) + 1, currencies: !cx.rates.currencies.isEmpty,
                scratch: scratch, origin: from))
        var scanner = CSVScanner(bytes: bytes, position: from, line: 0)
        scanner.expectedFields = cx.fieldCount
        var fields: [CSVField] = []
        fields.reserveCapacity(cx.fieldCount)
        var reasons: [String] = []
        let col = cx.columns
        let fieldCount = cx.fieldCount
        let n = bytes.count
        var position = from
        var line = 0
        let canonical = isCanonical(cx)
        // Read only where a record starts before `to`, so where there are bytes.
        let base = n > 0 ? bytes.baseAddress.unsafelyUnwrapped : UnsafePointer(bitPattern: 1).unsafelyUnwrapped
        // The look-ups in locals, read once. Read from `cx` in the loops, each was copied to the stack
        // again for every record, because the appends' stores may alias `cx`; the copy's unaligned
        // 16-byte stores, read back at once as words, failed store forwarding twice a line (9 % of
        // the fused parse's samples at each of two places).
        let ids = (partners: cx.partners, products: cx.products)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * fieldCount) { range in
            while true {
                // Blank lines are skipped; they still count for line numbers.
                while position < n {
                    if bytes[position] == 10 {
                        position += 1
                        line += 1
                        continue
                    }
                    if bytes[position] == 13, position + 1 < n, bytes[position + 1] == 10 {
                        position += 2
                        line += 1
                        continue
                    }
                    break
                }
                guard position < to else { break }
                // The canonical layout's fused path, each byte read once: a run of records up to a blank
                // line or one the fused path does not take, with the columns, count and totals in locals.
                if canonical {
                    var stoppedOnRecord = false
                    var accepted = 0
                    var quantitySum: Int128 = 0
                    var amountSum: Int128 = 0
                    let columns = chunk.columns
                    columns.appending { a in
                        while position < to {
                            let c = base[position]
                            if c == 10 || (c == 13 && position + 1 < n && base[position + 1] == 10) { break }
                            guard let r = Self.canonicalRecord(cx, ids: ids, base, position, n) else {
                                stoppedOnRecord = true
                                break
                            }
                            a.append(
                                partner: r.partner, product: r.product, day: r.day, quantity: r.quantity,
                                amount: r.amount, currency: r.currency, idHash: r.idHash, recordStart: position,
                                line: UInt32(line))
                            accepted += 1
                            quantitySum += Int128(r.quantity)
                            amountSum += Int128(r.amount)
                            if r.currency > 0 {
                                chunk.countForeign(r.currency, invoiced: r.invoiced, book: r.amount, rates: cx.rates)
                            }
                            position = r.lineEnd < n ? r.lineEnd + 1 : r.lineEnd
                            line += 1
                        }
                    }
                    chunk.totals.linesRead += accepted
                    chunk.countAccepted(lines: accepted, quantity: quantitySum, amount: amountSum)
                    // At a blank line or the end of the chunk: the loop goes on from there. At a record
                    // the fused path does not take: the general paths below read it.
                    guard stoppedOnRecord else { continue }
                }
                // Fast path: split on commas up to the line break, eight bytes at a time.
                var p = position
                var field = 0
                var plain = true
                range[0] = p
                scan: while true {
                    // The next comma, line feed, quote or non-ASCII byte, eight bytes at a time.
                    p = Self.delimiter(base, p, n)
                    guard p < n else { break scan }
                    let c = bytes[p]
                    if c == 10 { break scan }
                    if c == 44 {
                        field += 1
                        if field >= fieldCount {
                            plain = false
                            break scan
                        }
                        range[2 * field - 1] = p
                        range[2 * field] = p + 1
                    } else if c == 34 || c >= 0x80 {
                        plain = false
                        break scan
                    }
                    p += 1
                }
                if p - position > scanner.maxRecordBytes { plain = false }
                if plain, field == fieldCount - 1 {
                    let lineEnd = p
                    var recordEnd = p
                    if recordEnd > position, bytes[recordEnd - 1] == 13 { recordEnd -= 1 }
                    range[2 * field + 1] = recordEnd
                    let record = CSVRecord(line: line, start: position, end: recordEnd, error: nil)
                    chunk.totals.linesRead += 1
                    let f = { (k: Int) in (range[2 * col[k]], range[2 * col[k] + 1]) }
                    let (i0, e0) = f(0)
                    let (i1, e1) = f(1)
                    let (i2, e2) = f(2)
                    let (i3, e3) = f(3)
                    let (i4, e4) = f(4)
                    let (i5, e5) = f(5)
                    let date = CivilDate.parse(UnsafeBufferPointer(rebasing: bytes[i1..<e1])[...])
                    let partner = ids.partners.find(bytes, i2, e2)
                    let product = ids.products.find(bytes, i3, e3)
                    let quantity = DecimalText.parse(bytes, from: i4, to: e4, maxFraction: 3, scale: 3)
                    // The line's currency: 0 the book currency, k the k-th listed one, -1 anything else
                    // (and a line with a rate of its own), which the careful path names.
                    var currency = 0
                    if col[6] >= 0 {
                        let (i6, e6) = f(6)
                        if e6 > i6, !Self.equal(bytes, i6, e6, cx.bookCurrency) {
                            currency = cx.rates.index(of: bytes, i6, e6) ?? -1
                        }
                    }
                    if col[7] >= 0 {
                        let (i7, e7) = f(7)
                        if e7 > i7 { currency = -1 }
                    }
                    let amountDecimals = currency > 0 ? cx.rates.currencies[currency - 1].decimals : cx.decimals
                    let amount = DecimalText.parse(
                        bytes, from: i5, to: e5, maxFraction: amountDecimals, scale: amountDecimals)
                    // A foreign line: one multiply and one rounding at the rate of its date (O(1) by day).
                    var book: Int64?
                    if currency >= 0, case .success(let a) = amount,
                        a.magnitude < UInt64(magnitudeLimitUnits) * UInt64(DecimalText.powersOfTen[amountDecimals])
                    {
                        if currency == 0 {
                            book = a
                        } else if let date,
                            case .success(let b) = cx.rates.convert(
                                a, currency: currency, day: date.dayNumber, bookDecimals: cx.decimals)
                        {
                            book = b
                        }
                    }
                    if let book, e0 > i0, e0 - i0 <= 64, let date, partner >= 0, product >= 0,
                        case .success(let q) = quantity, case .success(let a) = amount,
                        q.magnitude < 1_000_000_000_000_000,
                        !((q > 0 && a < 0) || (q < 0 && a > 0))
                    {
                        chunk.accept(
                            partner: partner, product: product, day: date.dayNumber, quantity: q, amount: book,
                            currency: currency, invoiced: a, idHash: ByteKeyTable.hash(bytes, i0, e0),
                            recordStart: position, line: line, rates: cx.rates)
                    } else {
                        // Something is wrong: let the careful path name every reason.
                        fields.removeAll(keepingCapacity: true)
                        for k in 0..<fieldCount {
                            fields.append(CSVField(start: range[2 * k], end: range[2 * k + 1], hasEscapedQuotes: false))
                        }
                        validate(cx, &chunk, record, fields, scanner, &reasons)
                    }
                    position = lineEnd < n ? lineEnd + 1 : lineEnd
                    line += 1
                    continue
                }
                // The full scanner, for one record.
                scanner.seek(to: position, line: line)
                guard let record = scanner.next(fields: &fields) else { break }
                chunk.totals.linesRead += 1
                position = scanner.position
                line = scanner.line
                if let error = record.error {
                    reject(
                        &chunk, record, cx, lineID: "", reason: "malformed CSV: \(error)", quantity: nil, amount: nil
                    )
                    continue
                }
                if !scanner.isValidUTF8(record.start, record.end) {
                    reject(&chunk, record, cx, lineID: "", reason: "invalid UTF-8", quantity: nil, amount: nil)
                    continue
                }
                validate(cx, &chunk, record, fields, scanner, &reasons)
            }
        }
        chunk.end = position
        chunk.lines = line
        chunk.columns.bucketIDs()
        return chunk
    }

    /// Checks one well-formed record field by field; accepts it or rejects it with every reason.
    static func validate(
        _ cx: Context, _ chunk: inout Chunk, _ record: CSVRecord, _ fields: [CSVField], _ scanner: CSVScanner,
        _ reasons: inout [String]
    ) {
        reasons.removeAll(keepingCapacity: true)
        let col = cx.columns
        // Fields with "" escapes are unescaped first; others are read in place.
        func view<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>, Int, Int) -> R) -> R {
            let f = fields[col[i]]
            if !f.hasEscapedQuotes { return body(cx.bytes, f.start, f.end) }
            return scanner.fieldBytes(f).withUnsafeBufferPointer { body($0, 0, $0.count) }
        }
        let idHash = view(0) { b, s, e in ByteKeyTable.hash(b, s, e) }
        let idLength = view(0) { _, s, e in e - s }
        if idLength == 0 {
            reasons.append("line_id: empty")
        } else if idLength > 64 {
            reasons.append("line_id: longer than 64 bytes")
        }
        let date = view(1) { b, s, e in CivilDate.parse(UnsafeBufferPointer(rebasing: b[s..<e])[...]) }
        if date == nil {
            reasons.append("date: \"\(scanner.text(fields[col[1]]))\" is not a date YYYY-MM-DD in 1900...2999")
        }
        let partner = view(2) { b, s, e in cx.partners.find(b, s, e) }
        if partner < 0 { reasons.append("partner_id: unknown partner \"\(scanner.text(fields[col[2]]))\"") }
        let product = view(3) { b, s, e in cx.products.find(b, s, e) }
        if product < 0 { reasons.append("product_id: unknown product \"\(scanner.text(fields[col[3]]))\"") }
        let quantity = number(
            view(4) { b, s, e in DecimalText.parse(b, from: s, to: e, maxFraction: 3, scale: 3) },
            "quantity", { scanner.text(fields[col[4]]) }, scale: 3, &reasons)
        // SPEC section 11: the line's currency (0 the book currency, k the k-th listed one, nil unknown).
        var currency: Int? = 0
        if col[6] >= 0, !view(6, { b, s, e in e == s || Self.equal(b, s, e, cx.bookCurrency) }) {
            currency = view(6) { b, s, e in cx.rates.index(of: b, s, e) }
            if currency == nil {
                reasons.append(
                    "currency: unknown currency \"\(scanner.text(fields[col[6]]))\" (the book currency is \"\(String(decoding: cx.bookCurrency, as: UTF8.self))\")"
                )
            }
        }
        let amountDecimals = currency.map { $0 == 0 ? cx.decimals : cx.rates.currencies[$0 - 1].decimals } ?? 6
        let written = number(
            view(5) { b, s, e in
                DecimalText.parse(b, from: s, to: e, maxFraction: amountDecimals, scale: amountDecimals)
            },
            "amount", { scanner.text(fields[col[5]]) }, scale: amountDecimals, &reasons)
        if let quantity, let written, (quantity > 0 && written < 0) || (quantity < 0 && written > 0) {
            reasons.append("quantity and amount have opposite signs")
        }
        var ownRate: ExchangeRate?
        let hasOwnRate = col[7] >= 0 && fields[col[7]].end > fields[col[7]].start
        if hasOwnRate {
            switch view(7, { b, s, e in ExchangeRate.parse(b, s, e) }) {
            case .success(let r): ownRate = r
            case .failure(let why): reasons.append("rate: \"\(scanner.text(fields[col[7]]))\" \(why.reason)")
            }
            if currency == 0, let r = ownRate, r != .one {
                reasons.append("rate: a line in the book currency takes no rate but 1")
            }
        }
        // The book amount: the amount itself, or converted once at the line's own rate or the rate of its date.
        var amount: Int64? = currency == 0 ? written : nil
        if let c = currency, c > 0, let written {
            switch cx.rates.convert(
                written, currency: c, day: date?.dayNumber ?? Int32.min, ownRate: ownRate, bookDecimals: cx.decimals)
            {
            case .success(let book): amount = book
            case .failure(.tooLarge):
                reasons.append(
                    "amount: \"\(scanner.text(fields[col[5]]))\" converts to 10^12 or more in the book currency")
            case .failure(.noRate):
                guard let date, !hasOwnRate else { break }
                reasons.append(
                    "currency: no exchange rate for \(cx.rates.currencies[c - 1].code) on \(date) (its rates start later)"
                )
            }
        }
        if !reasons.isEmpty {
            reject(
                &chunk, record, cx, lineID: scanner.text(fields[col[0]]), reason: reasons.joined(separator: "; "),
                quantity: quantity, amount: amount)
            return
        }
        chunk.columns.append(
            partner: partner, product: product, day: date!.dayNumber, quantity: quantity!, amount: amount!,
            currency: currency ?? 0, idHash: idHash, recordStart: record.start, line: UInt32(record.line))
        chunk.totals.linesAccepted += 1
        chunk.totals.acceptedQuantity += Quantity(milliUnits: quantity!)
        chunk.totals.acceptedAmount += Money(minorUnits: amount!)
        if let c = currency, c > 0 {
            let listed = cx.rates.currencies[c - 1]
            chunk.totals.addForeign(listed.code, decimals: listed.decimals, amount: written!, book: amount!)
        }
    }

    /// Whether `bytes[from..<to]` is `code`.
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ code: [UInt8]) -> Bool {
        guard to - from == code.count else { return false }
        for k in 0..<code.count where bytes[from + k] != code[k] { return false }
        return true
    }

    private static func number(
        _ result: Result<Int64, DecimalTextError>, _ column: String, _ text: () -> String, scale: Int,
        _ reasons: inout [String]
    ) -> Int64? {
        switch result {
        case .success(let v):
            if v.magnitude >= UInt64(magnitudeLimitUnits) * UInt64(DecimalText.powersOfTen[scale]) {
                reasons.append("\(column): \"\(text())\" is 10^12 or more in absolute value")
                return nil
            }
            return v
        case .failure(.syntax): reasons.append("\(column): \"\(text())\" is not a plain decimal")
        case .failure(.tooManyDecimals(let max)):
            reasons.append("\(column): \"\(text())\" has more than \(max) decimal place\(max == 1 ? "" : "s")")
        case .failure(.tooLarge): reasons.append("\(column): \"\(text())\" is 10^12 or more in absolute value")
        }
        return nil
    }

    private static func reject(
        _ chunk: inout Chunk, _ record: CSVRecord, _ cx: Context, lineID: String, reason: String,
        quantity: Int64?, amount: Int64?
    ) {
        chunk.rejects.append(
            TransactionReject(
                file: cx.fileName, line: record.line, lineID: lineID, reason: reason,
                raw: Array(UnsafeBufferPointer(rebasing: cx.bytes[record.start..<record.end]))))
        chunk.totals.linesRejected += 1
        if let quantity, let amount {
            chunk.totals.rejectedQuantity += Quantity(milliUnits: quantity)
            chunk.totals.rejectedAmount += Money(minorUnits: amount)
        } else {
            chunk.totals.rejectedUnreadable += 1
        }
    }
}
