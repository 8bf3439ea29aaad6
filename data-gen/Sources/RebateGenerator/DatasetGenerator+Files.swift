import Dispatch
import RebateEngine
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Why a dataset could not be written.
public enum GeneratorError: Error, CustomStringConvertible {
    case notEnoughSpace(folder: String, needed: UInt64, free: UInt64)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .notEnoughSpace(let folder, let needed, let free):
            return
                "\(folder): the dataset needs about \(needed / 1_000_000) MB but only \(free / 1_000_000) MB are free"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        }
    }

    /// A write error of the library's file writer, as the generator reports it.
    init(_ error: RebateError) {
        if case .io(let path, let reason) = error {
            self = .io(path: path, reason: reason)
        } else {
            self = .io(path: "", reason: error.description)
        }
    }
}

extension DatasetGenerator {
    /// What writing a dataset produced.
    public struct WriteStatistics: Sendable {
        public var lines: Int
        public var transactionBytes: UInt64
        public var totalBytes: UInt64
    }

    /// Bytes a transaction line takes on average, for the free-space check.
    static let estimatedBytesPerLine: UInt64 = 56

    /// Writes the four files of SPEC section 1 into `folder`, streaming the lines
    /// so that no more than a few chunks are ever in memory.
    ///
    /// With `shards`, writes `folder/shard-0` ... `shard-<N-1>` instead, as `rebate split` would
    /// (each a complete dataset with its `shard.json`), so a capacity test needs no unsplit file.
    /// Partners are assigned from their expected line counts.
    /// - Throws: ``GeneratorError/notEnoughSpace(folder:needed:free:)`` before writing anything when the disk is too small.
    public func write(to folder: String, threads: Int = AccrualEngine.defaultThreadCount, shards: Int? = nil)
        throws(GeneratorError) -> WriteStatistics
    {
        try makeFolder(folder)
        var fs = statvfs()
        if statvfs(folder, &fs) == 0 {
            let free = UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
            let needed = UInt64(configuration.lines) * Self.estimatedBytesPerLine * 11 / 10 + 1_000_000
            if needed > free { throw .notEnoughSpace(folder: folder, needed: needed, free: free) }
        }
        var partnersCSV = "partner_id,name,group_id\n"
        for p in partners { partnersCSV += p.id + "," + CSVQuoting.text(p.name) + "," + (p.groupID ?? "") + "\n" }
        var productsCSV = "product_id,name,category,pallet_qty\n"
        for p in products {
            productsCSV +=
                p.id + "," + CSVQuoting.text(p.name) + "," + p.category + ","
                + (p.palletQuantity > 0 ? AccrualEngine.formatDecimal(Int128(p.palletQuantity), scale: 3) : "") + "\n"
        }
        let partnerBytes = Array(partnersCSV.utf8)
        let productBytes = Array(productsCSV.utf8)
        let count = max(1, shards ?? 1)
        let expected = partners.indices.map { p in
            Int(
                (partnerCumulative[p] - (p == 0 ? 0 : partnerCumulative[p - 1])) * UInt64(configuration.lines)
                    / max(1, partnerWeightTotal))
        }
        let plan =
            shards == nil
            ? (
                partner: [Int](repeating: 0, count: partners.count),
                agreement: [Int](repeating: 0, count: agreements.agreements.count)
            )
            : SplitJob.plan(partners: partners, agreements: agreements.agreements, lines: expected, shards: count)
        var split = "gen-" + String(configuration.seed, radix: 16) + "-" + String(configuration.lines, radix: 16)
        split += "-" + String(count)
        var total: UInt64 = 0
        var targets: [String] = []
        for k in 0..<count {
            let target = shards == nil ? folder : folder + "/" + SplitJob.shardFolder(k)
            try makeFolder(target)
            var subset = agreements
            subset.agreements = zip(agreements.agreements, plan.agreement).filter { $0.1 == k }.map(\.0)
            let agreementBytes = subset.jsonBytes()
            total += try writeFile(target + "/partners.csv", partnerBytes)
            total += try writeFile(target + "/products.csv", productBytes)
            total += try writeFile(target + "/agreements.json", agreementBytes)
            if shards != nil {
                let identity = ShardIdentity(
                    split: split, index: k, count: count, partners: partnerBytes, products: productBytes,
                    agreements: agreementBytes)
                total += try writeFile(target + "/" + ShardIdentity.fileName, identity.fileBytes)
            }
            targets.append(target + "/transactions.csv")
        }
        if !configuration.currencies.isEmpty {
            for k in 0..<count {
                let target = shards == nil ? folder : folder + "/" + SplitJob.shardFolder(k)
                total += try writeFile(target + "/rates.csv", ratesCSV())
            }
        }
        // Each transactions file is streamed to a temporary name and renamed into place once whole
        // (AtomicFile), so a killed or failed run leaves no half-written file behind.
        let files: [AtomicFile.Pending]
        do throws(RebateError) { files = try targets.map(AtomicFile.Pending.init) } catch {
            throw GeneratorError(error)
        }
        let sinks = files.map(\.sink)
        var written: UInt64 = 0
        var lines = configuration.lines
        let shardOfPartner = plan.partner.map(Int32.init)
        if configuration.priorYear {
            // The prior year first, in the same files: a dataset's lines in date order, year by year.
            let prior = try priorYearGenerator.writeLines(
                to: sinks, shardOfPartner: shardOfPartner, threads: threads, header: true, countingLines: true)
            written += prior.bytes
            lines += prior.lines // the prior year's lines are a share of those generated: counted as written
        }
        written += try writeLines(
            to: sinks, shardOfPartner: shardOfPartner, threads: threads, header: !configuration.priorYear
        ).bytes
        do throws(RebateError) { for file in files { try file.commit() } } catch { throw GeneratorError(error) }
        if configuration.claims, shards == nil { total += try writeClaims(folder, threads: threads) }
        return WriteStatistics(lines: lines, transactionBytes: written, totalBytes: total + written)
    }

    /// Streams every line into the transactions file of its partner's target, chunks generated in
    /// parallel while the ones before are written, in order; returns the bytes and, when
    /// `countingLines`, the lines written (0 otherwise).
    /// - Parameter header: start with the header row (not when adding the current year after the prior one).
    /// - Parameter countingLines: count them (the prior year keeps a share of the lines it generates).
    private func writeLines(
        to sinks: [FileSink], shardOfPartner: [Int32], threads: Int, header: Bool, countingLines: Bool = false
    ) throws(GeneratorError) -> (bytes: UInt64, lines: Int) {
        let headerRow = Array(
            ("line_id,date,partner_id,product_id,quantity,amount"
                + (configuration.currencies.isEmpty ? "" : ",currency") + "\n").utf8)
        var written: UInt64 = 0
        if header {
            do throws(RebateError) {
                for sink in sinks { try sink.write(headerRow) }
            } catch { throw GeneratorError(error) }
            written += UInt64(headerRow.count * sinks.count)
        }
        let text = TextTables(self)
        let chunks = chunkCount
        let shards = sinks.count
        // Workers take chunks in order, at most `inFlight` ahead of the writer (bounded memory); the
        // writer writes each chunk as soon as it and all before it are ready, so no worker waits
        // for a batch's slowest chunk.
        let inFlight = max(2, threads * 4)
        let slots = DispatchSemaphore(value: inFlight)
        let ready = (0..<chunks).map { _ in DispatchSemaphore(value: 0) }
        let buffers = Mutex([Int: [[UInt8]]]())
        let next = Atomic<Int>(0)
        // The writer's first error and byte count.
        let failure = Mutex<GeneratorError?>(nil)
        let bytesWritten = Atomic<UInt64>(0)
        let generated = DispatchSemaphore(value: 0)
        // The workers run on the global queue; this thread is the writer.
        DispatchQueue.global().async {
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
                while true {
                    // A slot first, then the chunk: the chunks holding slots are always the oldest ones
                    // not yet written, so the writer never waits for a chunk that waits for a slot.
                    slots.wait()
                    let c = next.add(1, ordering: .relaxed).oldValue
                    if c >= chunks {
                        slots.signal()
                        return
                    }
                    let chunkBuffers = csvChunk(c, text, shardOfPartner: shardOfPartner, shards: shards)
                    buffers.withLock { $0[c] = chunkBuffers }
                    ready[c].signal()
                }
            }
            generated.signal()
        }
        var lines = 0
        for c in 0..<chunks {
            ready[c].wait()
            let chunkBuffers = buffers.withLock { $0.removeValue(forKey: c) ?? [] }
            if failure.withLock({ $0 == nil }) {
                do throws(RebateError) {
                    for (k, b) in chunkBuffers.enumerated() where !b.isEmpty {
                        try sinks[k].write(b)
                        bytesWritten.add(UInt64(b.count), ordering: .relaxed)
                        if countingLines { for byte in b where byte == 10 { lines += 1 } }
                    }
                } catch {
                    failure.withLock { $0 = GeneratorError(error) }
                }
            }
            slots.signal()
        }
        generated.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return (written + bytesWritten.load(ordering: .relaxed), lines)
    }

    /// The CSV text of one chunk of lines.
    /// One buffer a shard (one in all without shards), each line in its partner's shard.
    func csvChunk(_ c: Int, _ text: TextTables, shardOfPartner: [Int32], shards: Int) -> [[UInt8]] {
        var ends: [(partner: Int32, end: Int)] = []
        let all = csvChunk(c, text, lineEnds: &ends, recordingEnds: shards > 1)
        guard shards > 1 else { return [all] }
        var out = [[UInt8]](repeating: [], count: shards)
        var start = 0
        for e in ends {
            out[Int(shardOfPartner[Int(e.partner)])] += all[start..<e.end]
            start = e.end
        }
        return out
    }

    /// The CSV text of chunk `c`; when `recordingEnds`, each line's partner and where its text ends
    /// go to `lineEnds` (an array, not a callback: a closure called per line cost a retain and a
    /// release each).
    func csvChunk(
        _ c: Int, _ text: TextTables, lineEnds: inout [(partner: Int32, end: Int)], recordingEnds: Bool
    ) -> [UInt8] {
        let count = min(Self.linesPerChunk, configuration.lines - c * Self.linesPerChunk)
        // Uninitialised: every byte up to `used` is written, and zeroing 10 MB a chunk showed in profiles.
        return [UInt8](unsafeUninitializedCapacity: count * 160) { o, used in
            used = writeChunk(c, text, into: o, lineEnds: &lineEnds, recordingEnds: recordingEnds)
        }
    }

    /// Writes chunk `c`'s lines into `o` (160 bytes a line is enough); returns the bytes written.
    private func writeChunk(
        _ c: Int, _ text: TextTables, into o: UnsafeMutableBufferPointer<UInt8>,
        lineEnds: inout [(partner: Int32, end: Int)], recordingEnds: Bool
    ) -> Int {
        text.idBytes.withUnsafeBufferPointer { ids in
            text.idStart.withUnsafeBufferPointer { idStart in
                text.dateBytes.withUnsafeBufferPointer { dates in
                    var w = ByteWriter(base: o.baseAddress!)
                    let productBase = text.partnerCount
                    let priorYear = configuration.isPriorYear
                    let currencies = configuration.currencies
                    forEachLine(inChunk: c) { i, line in
                        defer { if recordingEnds { lineEnds.append((line.partner, w.count)) } }
                        // A prior year keeps a share of each partner's lines by its class.
                        if priorYear, !Self.priorYearKeeps(partner: line.partner, line: i) { return }
                        let id = UInt64(i + 1)
                        let dateIndex = Int(line.day - text.firstDay)
                        guard let kind = line.bad else {
                            let p = Int(line.partner)
                            let k = productBase + Int(line.product)
                            w.put(UInt8(ascii: priorYear ? "Y" : "L"))
                            w.digits(id, width: 10)
                            w.put(44)
                            w.put(dates.baseAddress! + dateIndex * 10, count: 10)
                            w.put(44)
                            w.put(ids.baseAddress! + idStart[p], count: idStart[p + 1] - idStart[p])
                            w.put(44)
                            w.put(ids.baseAddress! + idStart[k], count: idStart[k + 1] - idStart[k])
                            w.put(44)
                            w.fixed(line.quantity, scale: 3, trim: true)
                            w.put(44)
                            if currencies.isEmpty {
                                w.fixed(line.amount, scale: 2, trim: false)
                            } else {
                                // A partner invoiced in another currency: the amount in it, then its code.
                                let currency = currencyIndex(ofPartner: line.partner)
                                if currency == 0 {
                                    w.fixed(line.amount, scale: 2, trim: false)
                                    w.put(44)
                                } else {
                                    let listed = currencies[currency - 1]
                                    w.fixed(
                                        invoicedAmount(line.amount, currency: currency), scale: listed.decimals,
                                        trim: false)
                                    w.put(44)
                                    // Planted with the bad lines: a currency nobody listed (`unknown currency`).
                                    w.put(plantsUnknownCurrency(i) ? Array("XXX".utf8) : Array(listed.code.utf8))
                                }
                            }
                            w.put(10)
                            return
                        }
                        w.put(Self.malformed(kind, id: id, text: text, dateIndex: dateIndex, line: line))
                        if !currencies.isEmpty, kind != .wrongFieldCount { w.put(44) }
                        w.put(10)
                    }
                    return w.count
                }
            }
        }
    }

    /// A planted malformed line: one kind for each reject reason.
    static func malformed(_ kind: BadLineKind, id: UInt64, text: TextTables, dateIndex: Int, line: GeneratedLine)
        -> [UInt8]
    {
        let lineID = "L" + String(repeating: "0", count: 10 - String(id).count) + String(id)
        let date = String(decoding: text.date(dateIndex), as: UTF8.self)
        let partner = String(decoding: text.partnerID(Int(line.partner)), as: UTF8.self)
        let product = String(decoding: text.productID(Int(line.product)), as: UTF8.self)
        switch kind {
        case .badDate: return Array("\(lineID),\(date.prefix(8))32,\(partner),\(product),1,1.00".utf8)
        case .badNumber: return Array("\(lineID),\(date),\(partner),\(product),1.2.3,1.00".utf8)
        case .tooManyDecimals: return Array("\(lineID),\(date),\(partner),\(product),1.00001,1.00".utf8)
        case .oppositeSigns: return Array("\(lineID),\(date),\(partner),\(product),-2,5.00".utf8)
        case .unknownPartner: return Array("\(lineID),\(date),NOPARTNER,\(product),1,1.00".utf8)
        case .unknownProduct: return Array("\(lineID),\(date),\(partner),NOPRODUCT,1,1.00".utf8)
        case .duplicateID: return Array("L0000000001,\(date),\(partner),\(product),1,1.00".utf8)
        case .wrongFieldCount: return Array("\(lineID),\(date),\(partner),\(product),1".utf8)
        case .unterminatedQuote: return Array("\(lineID),\(date),\"\(partner),\(product),1,1.00".utf8)
        case .invalidUTF8:
            return Array("\(lineID),\(date),\(partner),".utf8) + [0xC3, 0x28] + Array(",1,1.00".utf8)
        case .tooLarge: return Array("\(lineID),\(date),\(partner),\(product),1000000000000,1.00".utf8)
        }
    }

    private func makeFolder(_ path: String) throws(GeneratorError) {
        do throws(RebateError) { try AtomicFile.makeFolder(path) } catch { throw GeneratorError(error) }
    }

    /// A small file, written whole through the library's `AtomicFile`; returns its size.
    func writeFile(_ path: String, _ bytes: [UInt8]) throws(GeneratorError) -> UInt64 {
        do throws(RebateError) { try AtomicFile.write(bytes, to: path) } catch { throw GeneratorError(error) }
        return UInt64(bytes.count)
    }

}

/// Pre-rendered text of ids and dates, shared read-only by the chunk writers.
///
/// Flat byte arrays with offsets, not arrays of arrays: the line loop copies bytes from one
/// buffer without retaining an array per field.
struct TextTables: Sendable {
    /// Partner ids, then product ids, back to back; id `i` is `idBytes[idStart[i]..<idStart[i + 1]]`,
    /// partners first (`0..<partnerCount`), products after.
    let idBytes: [UInt8]
    let idStart: [Int]
    let partnerCount: Int
    /// `YYYY-MM-DD` of each day from `firstDay`, ten bytes each.
    let dateBytes: [UInt8]
    let firstDay: Int32

    init(_ g: DatasetGenerator) {
        var bytes: [UInt8] = []
        var starts = [0]
        for id in g.partners.map(\.id) + g.products.map(\.id) {
            bytes += Array(id.utf8)
            starts.append(bytes.count)
        }
        idBytes = bytes
        idStart = starts
        partnerCount = g.partners.count
        firstDay = g.firstDay.dayNumber
        dateBytes = (0..<(g.daysInYear + 60)).flatMap { Array(g.firstDay.adding(days: $0).description.utf8) }
    }

    /// A partner's or product's id as bytes (for the rare malformed lines).
    func partnerID(_ p: Int) -> [UInt8] { Array(idBytes[idStart[p]..<idStart[p + 1]]) }
    func productID(_ k: Int) -> [UInt8] { Array(idBytes[idStart[partnerCount + k]..<idStart[partnerCount + k + 1]]) }
    func date(_ index: Int) -> [UInt8] { Array(dateBytes[(index * 10)..<(index * 10 + 10)]) }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Formats numbers and copies bytes into a buffer known to be large enough
/// (160 bytes a line; the longest line is under 100).
struct ByteWriter {
    let base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0

    init(base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always) mutating func put(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    @inline(__always) mutating func put(_ bytes: UnsafePointer<UInt8>, count n: Int) {
        (base + count).update(from: bytes, count: n)
        count += n
    }

    @inline(__always) mutating func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { b in
            (base + count).update(from: b.baseAddress!, count: b.count)
            count += b.count
        }
    }

    /// `v` in decimal, zero-padded to at least `width` digits.
    @inline(__always) mutating func digits(_ v: UInt64, width: Int) {
        var length = 1
        var t = v
        while t >= 10 {
            t /= 10
            length += 1
        }
        length = max(length, width)
        var v = v
        for k in stride(from: length - 1, through: 0, by: -1) {
            base[count + k] = UInt8(48 + v % 10)
            v /= 10
        }
        count += length
    }

    /// A scaled integer as a decimal with `scale` (2 or 3) digits, trailing zeros dropped when `trim`.
    @inline(__always) mutating func fixed(_ v: Int64, scale: Int, trim: Bool) {
        if v < 0 { put(UInt8(ascii: "-")) }
        let m = v.magnitude
        var unit: UInt64 = scale == 3 ? 1000 : 100
        if scale != 2 && scale != 3 {
            unit = 1
            for _ in 0..<scale { unit *= 10 }
        }
        digits(m / unit, width: 1)
        var f = m % unit
        var width = scale
        if trim {
            while width > 0, f % 10 == 0 {
                f /= 10
                width -= 1
            }
        }
        if width > 0 {
            put(UInt8(ascii: "."))
            digits(f, width: width)
        }
    }
}
