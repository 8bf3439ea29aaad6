// A floor for the CSV parse, for measurement only (issue 23): the least per-line work our fused path
// does for a plain line of `line_id,date,partner_id,product_id,quantity,amount`, written as one plain
// loop with no validation beyond what the layout needs, on 2 threads (each half the file). It hashes
// the line id, takes the day from a month table, looks the partner and product up as the library
// does (numbered ids by their number in an array, others in open-addressing tables of 24-byte slots
// of the library's layout and hash), reads quantity and amount as scaled
// integers and writes the eight columns the reader keeps (five values, id hash, record offset, line).
// It checks nothing, so it is not a reader: it tells how far our reader is from this machine's floor
// for the same work. Its sum of amounts must equal `amount_read` in `rebate validate`'s summary.
//
//   swiftc -O scripts/parse-floor.swift -o /tmp/parse-floor
//   /usr/bin/time -f '%e s wall %U s user %S s sys' /tmp/parse-floor DATASET
//
// Only for datasets whose transactions.csv is in that column order, with LF line ends and every
// line good (data-gen's presets without --bad-lines).
import Dispatch
import Glibc

struct Slot {
    var head0: UInt64 = 0
    var head1: UInt64 = 0
    var value: Int32 = -1
    var length: UInt32 = 0
}

@inline(__always) func word(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    let w = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
    return n >= 8 ? w : w & ((1 &<< UInt64(8 &* n)) &- 1)
}

@inline(__always) func slotHash(_ h0: UInt64, _ h1: UInt64, _ length: Int) -> UInt64 {
    var h = (h0 &* 0x9E37_79B9_7F4A_7C15) ^ (h1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
    h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
    return h ^ (h >> 32)
}

/// The ids of a master file (its first column), in slots filled to at most 5/8 as the library's.
/// Numbered ids (one prefix, then a fixed count of digits, as the presets' are) are found by their
/// number in an array instead, as the library finds them.
struct Table {
    let slots: UnsafeMutablePointer<Slot>
    let mask: Int
    var numbers: UnsafeMutablePointer<Int32>? = nil
    var count = 0, length = 0, prefixLength = 0, lowest = 0

    init(_ path: String) {
        guard let file = fopen(path, "r") else { fatalError("cannot open \(path)") }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        var keys: [[UInt8]] = []
        _ = getline(&line, &capacity, file) // the header
        while getline(&line, &capacity, file) > 0 {
            let p = UnsafeRawPointer(line!).assumingMemoryBound(to: UInt8.self)
            var n = 0
            while p[n] != 44 { n += 1 }
            keys.append(Array(UnsafeBufferPointer(start: p, count: n)))
        }
        fclose(file)
        // A fixed size once hung here: a full table has no empty slot to stop a probe.
        var size = 16
        while size * 5 < keys.count * 8 { size <<= 1 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(), count: size)
        for (value, key) in keys.enumerated() {
            // Padded: `word` reads eight bytes, past a shorter key's end.
            (key + [UInt8](repeating: 0, count: 8)).withUnsafeBufferPointer { k in
                let p = k.baseAddress!
                let n = key.count
                let h0 = word(p, min(n, 8))
                let h1 = n > 8 ? word(p + 8, n - 8) : 0
                var s = Int(truncatingIfNeeded: slotHash(h0, h1, n)) & mask
                while slots[s].value >= 0 { s = (s + 1) & mask }
                slots[s] = Slot(head0: h0, head1: h1, value: Int32(value), length: UInt32(n))
            }
        }
        // Numbered: one length, a shared prefix (less its trailing digits), digits after it.
        length = keys[0].count
        prefixLength = length
        for k in keys {
            if k.count != length { return }
            var i = 0
            while i < prefixLength, k[i] == keys[0][i] { i += 1 }
            prefixLength = i
        }
        while prefixLength > 0, keys[0][prefixLength - 1] &- 48 < 10 { prefixLength -= 1 }
        var values: [Int] = []
        for k in keys {
            var v = 0
            for b in k[prefixLength...] {
                if b &- 48 >= 10 { return }
                v = v * 10 + Int(b &- 48)
            }
            values.append(v)
        }
        lowest = values.min()!
        count = values.max()! - lowest + 1
        if count > max(1024, 4 * keys.count) { return }
        numbers = .allocate(capacity: count)
        numbers!.initialize(repeating: -1, count: count)
        for (i, v) in values.enumerated() { numbers![v - lowest] = Int32(i) }
    }

    @inline(__always) func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        if let numbers {
            // The prefix is not compared: the floor trusts its input.
            if n != length { return -1 }
            var v = 0
            for i in prefixLength..<n { v = v &* 10 &+ Int(p[i] &- 48) }
            let k = v &- lowest
            return k >= 0 && k < count ? numbers[k] : -1
        }
        let h0 = word(p, min(n, 8))
        let h1 = n > 8 ? word(p + 8, n - 8) : 0
        var s = Int(truncatingIfNeeded: slotHash(h0, h1, n)) & mask
        while true {
            let slot = slots[s]
            if slot.value < 0 { return -1 }
            if slot.head0 == h0, slot.head1 == h1, Int(slot.length) == n { return slot.value }
            s = (s + 1) & mask
        }
    }
}

@inline(__always) func number(_ b: UnsafePointer<UInt8>, _ i: inout Int, _ fraction: Int) -> Int64 {
    let negative = b[i] == 45
    if negative { i += 1 }
    var v: Int64 = 0
    while b[i] &- 48 < 10 {
        v = v &* 10 &+ Int64(b[i] &- 48)
        i += 1
    }
    var digits = 0
    if b[i] == 46 {
        i += 1
        while b[i] &- 48 < 10 && digits < fraction {
            v = v &* 10 &+ Int64(b[i] &- 48)
            i += 1
            digits += 1
        }
    }
    while digits < fraction {
        v &*= 10
        digits += 1
    }
    return negative ? -v : v
}

@inline(__always) func fieldEnd(_ b: UnsafePointer<UInt8>, _ i: Int) -> Int {
    var i = i
    while b[i] != 44 && b[i] != 10 { i += 1 }
    return i
}

var monthStarts = [Int32](repeating: 0, count: 1200 * 12)
var first: Int32 = -25_567 // 1900-01-01, in days from 1970-01-01
for year in 1900..<3000 {
    for month in 1...12 {
        monthStarts[(year - 1900) * 12 + month - 1] = first
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        first += Int32(month == 2 ? (leap ? 29 : 28) : ([4, 6, 9, 11].contains(month) ? 30 : 31))
    }
}

let dataset = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "."
let partners = Table(dataset + "/partners.csv")
let products = Table(dataset + "/products.csv")
let fd = open(dataset + "/transactions.csv", O_RDONLY)
var info = stat()
guard fd >= 0, fstat(fd, &info) == 0 else { fatalError("cannot open transactions.csv") }
let n = Int(info.st_size)
// One page more than the file, so that a word read at the last line stays in the mapping.
let b = UnsafePointer(mmap(nil, n + 4096, PROT_READ, MAP_PRIVATE, fd, 0)!.assumingMemoryBound(to: UInt8.self))
var bodyStart = 0
while b[bodyStart] != 10 { bodyStart += 1 }
bodyStart += 1
var middle = bodyStart + (n - bodyStart) / 2
while b[middle - 1] != 10 { middle += 1 }
let cuts = [bodyStart, middle, n]

final class Results: @unchecked Sendable {
    var lines = [0, 0]
    var amounts: [Int64] = [0, 0]
}
let results = Results()
let months = monthStarts

DispatchQueue.concurrentPerform(iterations: 2) { t in
    let from = cuts[t]
    let to = cuts[t + 1]
    let capacity = (to - from) / 6 + 1
    let partner = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    let product = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    let day = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    let quantity = UnsafeMutablePointer<Int64>.allocate(capacity: capacity)
    let amount = UnsafeMutablePointer<Int64>.allocate(capacity: capacity)
    let idHash = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
    let offset = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
    let lineOf = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
    var i = from
    var k = 0
    var line: UInt32 = 0
    months.withUnsafeBufferPointer { months in
        while i < to {
            let start = i
            let e0 = fieldEnd(b, i)
            // The library's id hash.
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(e0 - start)
            var q = start
            while q + 8 <= e0 {
                h = (h ^ word(b + q, 8)) &* 0xFF51_AFD7_ED55_8CCD
                h ^= h >> 32
                q += 8
            }
            h = (h ^ (q < e0 ? word(b + q, e0 - q) : 0)) &* 0xC4CE_B9FE_1A85_EC53
            h ^= h >> 29
            let d = b + e0 + 1
            @inline(__always) func digit(_ j: Int) -> Int { Int(d[j] &- 48) }
            let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
            let month = digit(5) * 10 + digit(6)
            let dayNumber = months[(year - 1900) * 12 + month - 1] + Int32(digit(8) * 10 + digit(9) - 1)
            let s2 = e0 + 12
            let e2 = fieldEnd(b, s2)
            let p = partners.find(b + s2, e2 - s2)
            let s3 = e2 + 1
            let e3 = fieldEnd(b, s3)
            let r = products.find(b + s3, e3 - s3)
            var x = e3 + 1
            let qv = number(b, &x, 3)
            x += 1
            let av = number(b, &x, 2)
            while b[x] != 10 { x += 1 }
            if p >= 0 && r >= 0 {
                partner[k] = p
                product[k] = r
                day[k] = dayNumber
                quantity[k] = qv
                amount[k] = av
                idHash[k] = h
                offset[k] = UInt32(truncatingIfNeeded: start - from)
                lineOf[k] = line
                k += 1
            }
            line += 1
            i = x + 1
        }
    }
    var sum: Int64 = 0
    for j in 0..<k { sum &+= amount[j] }
    results.lines[t] = k
    results.amounts[t] = sum
}
let total = results.amounts[0] + results.amounts[1]
print("lines \(results.lines[0] + results.lines[1]), amount in minor units \(total)")
