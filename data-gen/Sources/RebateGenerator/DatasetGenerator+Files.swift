import Dispatch
import RebateEngine

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
    /// - Throws: ``GeneratorError/notEnoughSpace(folder:needed:free:)`` before writing anything when the disk is too small.
    public func write(to folder: String, threads: Int = AccrualEngine.defaultThreadCount) throws(GeneratorError)
        -> WriteStatistics
    {
        makeFolder(folder)
        var fs = statvfs()
        if statvfs(folder, &fs) == 0 {
            let free = UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
            let needed = UInt64(configuration.lines) * Self.estimatedBytesPerLine * 11 / 10 + 1_000_000
            if needed > free { throw .notEnoughSpace(folder: folder, needed: needed, free: free) }
        }
        var total: UInt64 = 0
        var partnersCSV = "partner_id,name,group_id\n"
        for p in partners { partnersCSV += p.id + "," + csvField(p.name) + "," + (p.groupID ?? "") + "\n" }
        total += try writeFile(folder + "/partners.csv", Array(partnersCSV.utf8))
        var productsCSV = "product_id,name,category,pallet_qty\n"
        for p in products {
            productsCSV +=
                p.id + "," + csvField(p.name) + "," + p.category + ","
                + (p.palletQuantity > 0 ? AccrualEngine.formatDecimal(Int128(p.palletQuantity), scale: 3) : "") + "\n"
        }
        total += try writeFile(folder + "/products.csv", Array(productsCSV.utf8))
        total += try writeFile(folder + "/agreements.json", agreements.jsonBytes())

        let path = folder + "/transactions.csv"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var written: UInt64 = try writeAll(fd, path, Array("line_id,date,partner_id,product_id,quantity,amount\n".utf8))
        let text = TextTables(self)
        let batch = max(1, threads) * 4
        var chunk = 0
        // Batches are generated in parallel while the previous batch is written, in order.
        let writer = DispatchQueue(label: "data-gen.writer")
        let failure = WriteFailure()
        let bytesWritten = WriteCounter()
        while chunk < chunkCount {
            let n = min(batch, chunkCount - chunk)
            var buffers = [[UInt8]](repeating: [], count: n)
            buffers.withUnsafeMutableBufferPointer { b in
                let slots = ChunkSlots(base: b)
                let base = chunk
                DispatchQueue.concurrentPerform(iterations: n) { j in
                    slots.base[j] = csvChunk(base + j, text)
                }
            }
            let ready = buffers
            writer.sync {} // at most one batch waiting: bounded memory
            writer.async {
                guard failure.error == nil else { return }
                do throws(GeneratorError) {
                    for b in ready { bytesWritten.add(try writeAll(fd, path, b)) }
                } catch {
                    failure.error = error
                }
            }
            chunk += n
        }
        writer.sync {}
        if let error = failure.error { throw error }
        written += bytesWritten.value
        total += written
        return WriteStatistics(lines: configuration.lines, transactionBytes: written, totalBytes: total)
    }

    /// The CSV text of one chunk of lines.
    func csvChunk(_ c: Int, _ text: TextTables) -> [UInt8] {
        let count = min(Self.linesPerChunk, configuration.lines - c * Self.linesPerChunk)
        var out = [UInt8](repeating: 0, count: count * 160)
        let used = out.withUnsafeMutableBufferPointer { o -> Int in
            var w = ByteWriter(base: o.baseAddress!)
            forEachLine(inChunk: c) { i, line in
                let id = UInt64(i + 1)
                let dateIndex = Int(line.day - text.firstDay)
                guard let kind = line.bad else {
                    w.put(UInt8(ascii: "L"))
                    w.digits(id, width: 10)
                    w.put(44)
                    w.put(text.dates[dateIndex])
                    w.put(44)
                    w.put(text.partnerIDs[Int(line.partner)])
                    w.put(44)
                    w.put(text.productIDs[Int(line.product)])
                    w.put(44)
                    w.fixed(line.quantity, scale: 3, trim: true)
                    w.put(44)
                    w.fixed(line.amount, scale: 2, trim: false)
                    w.put(10)
                    return
                }
                // Planted malformed lines: one kind for each reject reason.
                let lineID = "L" + String(repeating: "0", count: 10 - String(id).count) + String(id)
                let date = String(decoding: text.dates[dateIndex], as: UTF8.self)
                let partner = String(decoding: text.partnerIDs[Int(line.partner)], as: UTF8.self)
                let product = String(decoding: text.productIDs[Int(line.product)], as: UTF8.self)
                let row: [UInt8]
                switch kind {
                case .badDate: row = Array("\(lineID),\(date.prefix(8))32,\(partner),\(product),1,1.00".utf8)
                case .badNumber: row = Array("\(lineID),\(date),\(partner),\(product),1.2.3,1.00".utf8)
                case .tooManyDecimals: row = Array("\(lineID),\(date),\(partner),\(product),1.00001,1.00".utf8)
                case .oppositeSigns: row = Array("\(lineID),\(date),\(partner),\(product),-2,5.00".utf8)
                case .unknownPartner: row = Array("\(lineID),\(date),NOPARTNER,\(product),1,1.00".utf8)
                case .unknownProduct: row = Array("\(lineID),\(date),\(partner),NOPRODUCT,1,1.00".utf8)
                case .duplicateID: row = Array("L0000000001,\(date),\(partner),\(product),1,1.00".utf8)
                case .wrongFieldCount: row = Array("\(lineID),\(date),\(partner),\(product),1".utf8)
                case .unterminatedQuote: row = Array("\(lineID),\(date),\"\(partner),\(product),1,1.00".utf8)
                case .invalidUTF8:
                    row = Array("\(lineID),\(date),\(partner),".utf8) + [0xC3, 0x28] + Array(",1,1.00".utf8)
                case .tooLarge: row = Array("\(lineID),\(date),\(partner),\(product),1000000000000,1.00".utf8)
                }
                w.put(row)
                w.put(10)
            }
            return w.count
        }
        out.removeSubrange(used...)
        return out
    }

    private func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
    }

    private func makeFolder(_ path: String) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            mkdir(partial, 0o755)
        }
    }

    private func writeFile(_ path: String, _ bytes: [UInt8]) throws(GeneratorError) -> UInt64 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        return try writeAll(fd, path, bytes)
    }

    func writeAll(_ fd: Int32, _ path: String, _ bytes: [UInt8]) throws(GeneratorError) -> UInt64 {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: String(cString: strerror(errno)))
            }
            done += n
        }
        return UInt64(bytes.count)
    }
}

/// Pre-rendered text of ids and dates, shared read-only by the chunk writers.
struct TextTables: Sendable {
    let partnerIDs: [[UInt8]]
    let productIDs: [[UInt8]]
    let dates: [[UInt8]]
    let firstDay: Int32

    init(_ g: DatasetGenerator) {
        partnerIDs = g.partners.map { Array($0.id.utf8) }
        productIDs = g.products.map { Array($0.id.utf8) }
        firstDay = g.firstDay.dayNumber
        dates = (0..<(g.daysInYear + 60)).map { Array(g.firstDay.adding(days: $0).description.utf8) }
    }
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
        let unit: UInt64 = scale == 3 ? 1000 : 100
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

/// The first write error of the background writer. Only the writer queue sets
/// it, and it is read after `sync`, so accesses never overlap.
final class WriteFailure: @unchecked Sendable {
    var error: GeneratorError?
}

/// Bytes written by the background writer; same discipline as ``WriteFailure``.
final class WriteCounter: @unchecked Sendable {
    private(set) var value: UInt64 = 0
    func add(_ v: UInt64) { value += v }
}
