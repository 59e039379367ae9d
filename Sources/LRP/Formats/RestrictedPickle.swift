/// A restricted reader of Python pickles (protocols 0–5, the binary opcodes) for data files that hold only
/// plain containers and NumPy arrays — such as the `.npy` object arrays of the caffe-tensorflow converter
/// (`numpy.save(path, {layer: {'weights': W, 'biases': b}})`). It never runs code from the file: the only
/// globals it accepts are NumPy's array reconstruction (`_reconstruct`, `ndarray`, `dtype`) and
/// `_codecs.encode` with latin-1 (how Python 3 pickles bytes for Python 2); anything else is refused by name.
/// Python 2 byte strings are kept as bytes and read as latin-1 where text is expected.
enum RestrictedPickle {
    /// A decoded value.
    indirect enum Value {
        case none
        case bool(Bool)
        case int(Int)
        case float(Double)
        case text(String)
        case bytes([UInt8])
        case tuple([Value])
        case list([Value])
        case dict([(key: Value, value: Value)])
        /// A numeric NumPy array.
        case array(Tensor)
        /// A NumPy object array: its shape and elements.
        case objects(shape: [Int], elements: [Value])
        /// A NumPy dtype: its type code ("f4") and byte order ("<", ">", "|", "=").
        case dtype(String, byteOrder: String)
        /// One of the allowed globals, as an argument (numpy.ndarray to _reconstruct).
        case global(String)

        /// Text, or bytes read as latin-1 (Python 2 `str`).
        var string: String? {
            switch self {
            case .text(let s): return s
            case .bytes(let b): return String(String.UnicodeScalarView(b.map { Unicode.Scalar($0) }))
            default: return nil
            }
        }

        /// The entries of a dict, or nil.
        var entries: [(key: Value, value: Value)]? { if case .dict(let d) = self { return d } else { return nil } }

        /// A short description for messages.
        var kind: String {
            switch self {
            case .none: return "None"
            case .bool: return "a bool"
            case .int: return "an int"
            case .float: return "a float"
            case .text, .bytes: return "a string"
            case .tuple: return "a tuple"
            case .list: return "a list"
            case .dict: return "a dict"
            case .array(let t): return "an array \(Shape.describe(t.shape))"
            case .objects(let shape, _): return "an object array \(Shape.describe(shape))"
            case .dtype: return "a dtype"
            case .global(let name): return name
            }
        }
    }

    /// What can sit on the stack and in the memo while loading: finished values and the intermediate objects
    /// of NumPy's reconstruction protocol. Containers live in an arena so that memoized ones can still grow.
    private enum Node {
        case value(Value)
        case list([Int])
        case dict([(Int, Int)])
        case global(String)
        case emptyArray
        case dtype(String, byteOrder: String)
    }

    private static let reconstruct: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy.core._multiarray_umath._reconstruct",
        "numpy._core.multiarray._reconstruct", "numpy._core._multiarray_umath._reconstruct",
    ]
    private static let allowed: Set<String> = reconstruct.union(["numpy.ndarray", "numpy.dtype", "_codecs.encode"])

    /// Decodes a pickle.
    static func load(_ bytes: ArraySlice<UInt8>) throws -> Value {
        var loader = Loader(bytes)
        return try loader.run()
    }

    /// The object stored in an npy file of dtype object ('|O'), e.g. the dict a 0-d object array holds.
    static func loadObjectNpy(_ bytes: [UInt8]) throws -> Value {
        guard bytes.count >= 10, Array(bytes[0..<6]) == NumpyFormat.magic else {
            throw LRPError.format("not an npy file (the magic string \\x93NUMPY is missing)")
        }
        var reader = ByteReader(bytes, offset: 8)
        let headerLength = bytes[6] == 1 ? try reader.u16("the header length") : try reader.u32("the header length")
        let header = String(decoding: try reader.take(headerLength, "the header"), as: UTF8.self)
        guard header.contains("'|O'") || header.contains("'O'") else {
            throw LRPError.format("the npy file holds a numeric array, not pickled Python objects")
        }
        let value = try load(bytes[reader.offset...])
        if case .objects(let shape, let elements) = value, shape.isEmpty, let only = elements.first { return only }
        return value
    }

    private struct Loader {
        let bytes: ArraySlice<UInt8>
        var i: Int
        var arena: [Node] = []
        var stack: [Int] = []
        var marks: [Int] = []
        var memo: [Int: Int] = [:]

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            i = bytes.startIndex
        }

        func error(_ message: String) -> LRPError { .format("pickle byte \(i - bytes.startIndex): \(message)") }

        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, bytes.endIndex - i >= n else { throw error("truncated (needs \(n) more bytes)") }
            defer { i += n }
            return bytes[i..<(i + n)]
        }

        mutating func unsigned(_ n: Int) throws -> Int {
            var v = 0
            for (k, b) in try take(n).enumerated() { v |= Int(b) << (8 * k) }
            return v
        }

        mutating func line() throws -> String {
            guard let end = bytes[i...].firstIndex(of: 0x0A) else { throw error("truncated (a line without its end)") }
            defer { i = end + 1 }
            return String(decoding: bytes[i..<end], as: UTF8.self)
        }

        mutating func push(_ node: Node) {
            arena.append(node)
            stack.append(arena.count - 1)
        }

        mutating func pop() throws -> Int {
            guard let top = stack.popLast() else { throw error("stack underflow") }
            return top
        }

        mutating func popMark() throws -> [Int] {
            guard let mark = marks.popLast(), mark <= stack.count else { throw error("no MARK for a list of items") }
            let items = Array(stack[mark...])
            stack.removeSubrange(mark...)
            return items
        }

        /// The finished value of node `n` (containers resolved).
        func value(_ n: Int, depth: Int = 0) throws -> Value {
            guard depth < 100 else { throw error("containers nested deeper than 100 levels") }
            switch arena[n] {
            case .value(let v): return v
            case .list(let items): return .list(try items.map { try value($0, depth: depth + 1) })
            case .dict(let pairs): return .dict(try pairs.map { (try value($0.0, depth: depth + 1), try value($0.1, depth: depth + 1)) })
            case .global(let name): return .global(name)
            case .emptyArray: throw error("a NumPy array without its data")
            case .dtype(let descr, let order): return .dtype(descr, byteOrder: order)
            }
        }

        mutating func run() throws -> Value {
            while true {
                let op = try take(1).first ?? 0
                switch op {
                case 0x80: _ = try take(1)                                   // PROTO
                case 0x95: _ = try take(8)                                   // FRAME
                case UInt8(ascii: "."):                                      // STOP
                    return try value(try pop())
                case UInt8(ascii: "("): marks.append(stack.count)            // MARK
                case UInt8(ascii: "0"): _ = try pop()                        // POP
                case UInt8(ascii: "1"): _ = try popMark()                    // POP_MARK
                case UInt8(ascii: "2"):                                      // DUP
                    guard let top = stack.last else { throw error("stack underflow") }
                    stack.append(top)
                case UInt8(ascii: "N"): push(.value(.none))
                case 0x88: push(.value(.bool(true)))
                case 0x89: push(.value(.bool(false)))
                case UInt8(ascii: "J"): push(.value(.int(Int(Int32(truncatingIfNeeded: try unsigned(4))))))
                case UInt8(ascii: "K"): push(.value(.int(try unsigned(1))))
                case UInt8(ascii: "M"): push(.value(.int(try unsigned(2))))
                case 0x8A:                                                   // LONG1
                    let n = try unsigned(1)
                    guard n <= 8 else { throw error("integer of \(n) bytes is too large") }
                    var v = 0
                    for (k, b) in try take(n).enumerated() { v |= Int(b) << (8 * k) }
                    if n > 0, n < 8, v & (1 << (8 * n - 1)) != 0 { v -= 1 << (8 * n) }
                    push(.value(.int(v)))
                case UInt8(ascii: "I"):                                      // INT (text)
                    let text = try line()
                    if text == "01" { push(.value(.bool(true))) } else if text == "00" { push(.value(.bool(false))) } else {
                        guard let v = Int(text) else { throw error("malformed INT '\(text)'") }
                        push(.value(.int(v)))
                    }
                case UInt8(ascii: "G"):                                      // BINFLOAT (big-endian)
                    var bits: UInt64 = 0
                    for b in try take(8) { bits = bits << 8 | UInt64(b) }
                    push(.value(.float(Double(bitPattern: bits))))
                case UInt8(ascii: "T"): push(.value(.bytes(Array(try take(try unsigned(4))))))   // BINSTRING
                case UInt8(ascii: "U"): push(.value(.bytes(Array(try take(try unsigned(1))))))   // SHORT_BINSTRING
                case UInt8(ascii: "B"): push(.value(.bytes(Array(try take(try unsigned(4))))))   // BINBYTES
                case UInt8(ascii: "C"): push(.value(.bytes(Array(try take(try unsigned(1))))))   // SHORT_BINBYTES
                case 0x8E: push(.value(.bytes(Array(try take(try unsigned(8))))))                // BINBYTES8
                case UInt8(ascii: "X"): push(.value(.text(String(decoding: try take(try unsigned(4)), as: UTF8.self))))
                case 0x8C: push(.value(.text(String(decoding: try take(try unsigned(1)), as: UTF8.self))))
                case 0x8D: push(.value(.text(String(decoding: try take(try unsigned(8)), as: UTF8.self))))
                case UInt8(ascii: ")"): push(.value(.tuple([])))
                case UInt8(ascii: "t"): push(.value(.tuple(try popMark().map { try value($0) })))
                case 0x85, 0x86, 0x87:                                       // TUPLE1-3
                    let n = Int(op - 0x84)
                    guard stack.count >= n else { throw error("stack underflow") }
                    let items = Array(stack.suffix(n))
                    stack.removeLast(n)
                    push(.value(.tuple(try items.map { try value($0) })))
                case UInt8(ascii: "]"): push(.list([]))
                case UInt8(ascii: "l"): push(.list(try popMark()))
                case UInt8(ascii: "a"):                                      // APPEND
                    let item = try pop()
                    try append([item])
                case UInt8(ascii: "e"): try append(try popMark())            // APPENDS
                case UInt8(ascii: "}"): push(.dict([]))
                case UInt8(ascii: "d"):                                      // DICT
                    let items = try popMark()
                    guard items.count % 2 == 0 else { throw error("DICT with an odd number of items") }
                    push(.dict(stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }))
                case UInt8(ascii: "s"):                                      // SETITEM
                    let v = try pop(), k = try pop()
                    try setItems([k, v])
                case UInt8(ascii: "u"): try setItems(try popMark())          // SETITEMS
                case UInt8(ascii: "c"):                                      // GLOBAL
                    let module = try line(), name = try line()
                    try pushGlobal(module + "." + name)
                case 0x93:                                                   // STACK_GLOBAL
                    let name = try value(try pop()).string, module = try value(try pop()).string
                    guard let module, let name else { throw error("STACK_GLOBAL without names") }
                    try pushGlobal(module + "." + name)
                case UInt8(ascii: "R"):                                      // REDUCE
                    let arguments = try value(try pop())
                    let callable = try pop()
                    try reduce(callable, arguments)
                case UInt8(ascii: "b"):                                      // BUILD
                    let state = try value(try pop())
                    guard let target = stack.last else { throw error("stack underflow") }
                    try build(target, state)
                case UInt8(ascii: "p"): try memoize(Int(try line()) ?? -1)                 // PUT
                case UInt8(ascii: "q"): try memoize(try unsigned(1))                       // BINPUT
                case UInt8(ascii: "r"): try memoize(try unsigned(4))                       // LONG_BINPUT
                case 0x94: try memoize(memo.count)                                         // MEMOIZE
                case UInt8(ascii: "g"): try recall(Int(try line()) ?? -1)                  // GET
                case UInt8(ascii: "h"): try recall(try unsigned(1))                        // BINGET
                case UInt8(ascii: "j"): try recall(try unsigned(4))                        // LONG_BINGET
                default:
                    throw error("opcode 0x\(String(op, radix: 16)) is not allowed in a data pickle (it builds objects this reader does not accept)")
                }
            }
        }

        mutating func memoize(_ key: Int) throws {
            guard key >= 0, let top = stack.last else { throw error("bad memo store") }
            memo[key] = top
        }

        mutating func recall(_ key: Int) throws {
            guard let n = memo[key] else { throw error("memo \(key) is not defined") }
            stack.append(n)
        }

        mutating func append(_ items: [Int]) throws {
            guard let target = stack.last, case .list(let existing) = arena[target] else { throw error("APPEND to something that is not a list") }
            arena[target] = .list(existing + items)
        }

        mutating func setItems(_ items: [Int]) throws {
            guard items.count % 2 == 0 else { throw error("SETITEMS with an odd number of items") }
            guard let target = stack.last, case .dict(let existing) = arena[target] else { throw error("SETITEM on something that is not a dict") }
            arena[target] = .dict(existing + stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) })
        }

        mutating func pushGlobal(_ name: String) throws {
            guard RestrictedPickle.allowed.contains(name) else {
                throw LRPError.format("the pickle refers to \(name), which a data file of arrays never needs; refusing to load it (only NumPy arrays and plain containers are allowed)")
            }
            push(.global(name))
        }

        mutating func reduce(_ callable: Int, _ arguments: Value) throws {
            guard case .global(let name) = arena[callable], case .tuple(let args) = arguments else {
                throw error("REDUCE of something that is not an allowed function")
            }
            if RestrictedPickle.reconstruct.contains(name) {
                guard case .global("numpy.ndarray")? = args.first else { throw error("_reconstruct of something other than numpy.ndarray") }
                push(.emptyArray)
            } else if name == "numpy.dtype" {
                guard let descr = args.first?.string else { throw error("numpy.dtype without a type code") }
                push(.dtype(descr, byteOrder: "="))
            } else if name == "_codecs.encode" {
                guard let text = args.first?.string, args.count == 1 || ["latin1", "latin-1"].contains(args[1].string ?? "") else {
                    throw error("_codecs.encode is accepted with latin-1 only")
                }
                push(.value(.bytes(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })))
            } else {
                throw error("\(name) cannot be called")
            }
        }

        mutating func build(_ target: Int, _ state: Value) throws {
            switch arena[target] {
            case .dtype(let descr, _):
                guard case .tuple(let fields) = state, fields.count >= 2, let order = fields[1].string else {
                    throw error("malformed dtype state")
                }
                arena[target] = .dtype(descr, byteOrder: order)
            case .emptyArray:
                guard case .tuple(let fields) = state, fields.count == 5, case .tuple(let dims) = fields[1] else {
                    throw error("malformed ndarray state")
                }
                let shape = try dims.map { d -> Int in
                    guard case .int(let n) = d, n >= 0 else { throw error("malformed array shape") }
                    return n
                }
                guard case .dtype(let descr, let order) = fields[2] else { throw error("an array without its dtype") }
                let fortran: Bool
                if case .bool(let f) = fields[3] { fortran = f } else if case .int(let f) = fields[3] { fortran = f != 0 } else { fortran = false }
                arena[target] = .value(try array(shape: shape, dtype: (descr, order), fortran: fortran, data: fields[4]))
            default:
                throw error("BUILD on something that is not a NumPy array or dtype")
            }
        }

        func array(shape: [Int], dtype: (String, String), fortran: Bool, data: Value) throws -> Value {
            let count = try Shape.count(shape)
            let (descr, order) = dtype
            if descr.hasPrefix("O") {
                guard case .list(let elements) = data, elements.count == count else { throw error("an object array without its \(count) elements") }
                return .objects(shape: shape, elements: elements)
            }
            guard case .bytes(let raw) = data else { throw error("an array of '\(descr)' without raw data") }
            let prefix = order == ">" ? ">" : "<"
            let (type, bigEndian) = try NumpyHeader.elementType(prefix + descr)
            guard raw.count == count * type.size else {
                throw error("an array \(Shape.describe(shape)) of '\(descr)' needs \(count * type.size) bytes, the pickle holds \(raw.count)")
            }
            let values = try type.decode(raw, start: 0, count: count, bigEndian: bigEndian)
            return .array(try Tensor(shape: shape, data: fortran ? fortranToC(values, shape: shape) : values))
        }
    }
}
