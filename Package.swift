// swift-tools-version:6.0
//
// liblrp: Layer-wise Relevance Propagation with a stable C ABI.
//
// Targets, dependencies pointing one way:
//   LRPExports (@_cdecl functions only)  →  LRP (the Swift core)  →  COpenBLAS, CZlib (system libraries),
//   CDNNL (oneDNN's float32 convolutions behind four C functions; links the system's libdnnl)
//   lrp-hdf5-reader (helper process: the only code that runs libhdf5)  →  CHDF5
//   LRP and lrp-hdf5-reader share HDF5Snapshot, the format the helper hands its results back in.
//   LRPExports also imports CLRPHeader (include/lrp.h) to check every export against its prototype.
// The product `lrp` is the dynamic library liblrp.so; a linker version script keeps its exported
// symbols to the `lrp_*` functions of the header.
import Foundation
import PackageDescription

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

let package = Package(
    name: "liblrp",
    products: [
        .library(name: "lrp", type: .dynamic, targets: ["LRPExports"]),
        .executable(name: "lrp-hdf5-reader", targets: ["lrp-hdf5-reader"]),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CLRPHeader", path: "Sources/CLRPHeader"),
        .target(name: "CSystem"),
        .target(name: "CDNNL", linkerSettings: [.linkedLibrary("dnnl")]),
        .target(name: "HDF5Snapshot"),
        .executableTarget(name: "lrp-hdf5-reader", dependencies: ["CHDF5", "HDF5Snapshot"]),
        .target(
            name: "LRP",
            dependencies: ["COpenBLAS", "CZlib", "CSystem", "CDNNL", "HDF5Snapshot"]
        ),
        .target(
            name: "LRPExports",
            dependencies: ["LRP", "CLRPHeader"],
            exclude: ["exports.map"],
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "--version-script=\(packageRoot)/Sources/LRPExports/exports.map",
                              // The ABI's major version (LRP_VERSION_MAJOR): programs record liblrp.so.1.
                              "-Xlinker", "-soname=liblrp.so.1"]),
            ]
        ),
        .testTarget(name: "LRPTests", dependencies: ["LRP", "LRPExports", "CLRPHeader", "HDF5Snapshot", "lrp-hdf5-reader"]),
    ]
)

// The libFuzzer targets (Fuzz/), only when LRP_FUZZ is set: they have no main of their own (libFuzzer's is
// linked in by -sanitize=fuzzer), so ordinary builds leave them out. See Fuzz/README.md and `make fuzz`.
if ProcessInfo.processInfo.environment["LRP_FUZZ"] != nil {
    package.products.append(.executable(name: "lrp-fuzz", targets: ["lrp-fuzz"]))
    package.targets.append(.target(name: "CFuzzDriver", path: "Fuzz/Driver"))
    package.targets.append(.executableTarget(name: "lrp-fuzz", dependencies: ["LRPExports", "CLRPHeader", "CFuzzDriver"],
                                             path: "Fuzz/Targets"))
}
