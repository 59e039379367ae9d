// swift-tools-version:6.0
//
// liblrp: Layer-wise Relevance Propagation with a stable C ABI.
//
// Targets, dependencies pointing one way:
//   LRPExports (@_cdecl functions only)  →  LRP (the Swift core)  →  COpenBLAS, CZlib, CHDF5 (system libraries)
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
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CLRPHeader", path: "Sources/CLRPHeader"),
        .target(
            name: "LRP",
            dependencies: ["COpenBLAS", "CZlib", "CHDF5"]
        ),
        .target(
            name: "LRPExports",
            dependencies: ["LRP", "CLRPHeader"],
            exclude: ["exports.map"],
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "--version-script=\(packageRoot)/Sources/LRPExports/exports.map"]),
            ]
        ),
        .testTarget(name: "LRPTests", dependencies: ["LRP", "LRPExports", "CLRPHeader"]),
    ]
)
