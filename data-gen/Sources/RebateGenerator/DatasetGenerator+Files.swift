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
        case let .notEnoughSpace(folder, needed, free):
            return "\(folder): the dataset needs about \(needed / 1_000_000) MB but only \(free / 1_000_000) MB are free"
        case let .io(path, reason):
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
    public func write(to folder: String, threads: Int = RebateEngine.defaultThreadCount) throws(GeneratorError) -> WriteStatistics {
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
            productsCSV += p.id + "," + csvField(p.name) + "," + p.category + "," + (p.palletQuantity > 0 ? RebateEngine.formatDecimal(Int128(p.palletQuantity), scale: 3) : "") + "\n"
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
            for b in buffers { written += try writeAll(fd, path, b) }
            chunk += n
        }
        total += written
        return WriteStatistics(lines: configuration.lines, transactionBytes: written, totalBytes: total)
    }

    /// The CSV text of one chunk of lines.
    func csvChunk(_ c: Int, _ text: TextTables) -> [UInt8] {
        let count = min(Self.linesPerChunk, configuration.lines - c * Self.linesPerChunk)
        var out = [UInt8](repeating: 0, count: count * 160)
        var n = 0
        out.withUnsafeMutableBufferPointer { o in
            @inline(__always) func put(_ b: UInt8) { o[n] = b; n += 1 }
            @inline(__always) func put(_ bytes: [UInt8]) { for b in bytes { o[n] = b; n += 1 } }
            @inline(__always) func digits(_ v: UInt64, width: Int) {
                var v = v
                var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                var k = 0
                withUnsafeMutableBytes(of: &tmp) { t in
                    repeat { t[k] = UInt8(48 + v % 10); v /= 10; k += 1 } while v > 0 || k < width
                    while k > 0 { k -= 1; put(t[k]) }
                }
            }
            @inline(__always) func fixed(_ v: Int64, scale: Int, trim: Bool) {
                if v < 0 { put(UInt8(ascii: "-")) }
                let m = v.magnitude
                let unit: UInt64 = scale == 3 ? 1000 : 100
                digits(m / unit, width: 1)
                var f = m % unit
                var width = scale
                if trim { while width > 0, f % 10 == 0 { f /= 10; width -= 1 } }
                if width > 0 { put(UInt8(ascii: ".")); digits(f, width: width) }
            }
            forEachLine(inChunk: c) { i, line in
                let id = UInt64(i + 1)
                let dateIndex = Int(line.day - text.firstDay)
                switch line.bad {
                case nil:
                    put(UInt8(ascii: "L")); digits(id, width: 10); put(UInt8(ascii: ","))
                    put(text.dates[dateIndex]); put(UInt8(ascii: ","))
                    put(text.partnerIDs[Int(line.partner)]); put(UInt8(ascii: ","))
                    put(text.productIDs[Int(line.product)]); put(UInt8(ascii: ","))
                    fixed(line.quantity, scale: 3, trim: true); put(UInt8(ascii: ","))
                    fixed(line.amount, scale: 2, trim: false); put(10)
                case let kind?:
                    // Planted malformed lines: one kind for each reject reason.
                    let lineID = "L" + String(repeating: "0", count: 10 - String(id).count) + String(id)
                    let date = String(decoding: text.dates[dateIndex], as: UTF8.self)
                    let partner = String(decoding: text.partnerIDs[Int(line.partner)], as: UTF8.self)
                    let product = String(decoding: text.productIDs[Int(line.product)], as: UTF8.self)
                    var row: [UInt8]
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
                    case .invalidUTF8: row = Array("\(lineID),\(date),\(partner),".utf8) + [0xC3, 0x28] + Array(",1,1.00".utf8)
                    case .tooLarge: row = Array("\(lineID),\(date),\(partner),\(product),1000000000000,1.00".utf8)
                    }
                    put(row); put(10)
                }
            }
        }
        out.removeSubrange(n...)
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

    private func writeAll(_ fd: Int32, _ path: String, _ bytes: [UInt8]) throws(GeneratorError) -> UInt64 {
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
