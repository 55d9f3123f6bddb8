{
  "targets": [
    {
      "target_name": "framewire",
      "sources": [
        "native/addon.cc",
        "native/engine_wrap.cc",
        "native/spec_reader.cc",
        "native/workers.cc",
        "native/frame_completions.cc",
        "native/core/jpeg_header.cc",
        "native/core/frame_decoder.cc",
        "native/core/jpeg_decoder.cc",
        "native/core/nms.cc",
        "native/core/blob.cc",
        "native/core/darknet_yolo.cc",
        "native/core/darknet_heads.cc",
        "native/core/yolox.cc",
        "native/core/yunet_faces.cc",
        "native/core/text_detector_db.cc",
        "native/core/text_recognizer_tesseract.cc",
        "native/core/text_reader.cc",
        "native/core/parallel_backend.cc",
        "native/core/result_json.cc",
        "native/core/engine.cc"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include\")",
        "<!@(pkg-config --cflags-only-I opencv4 | sed s/-I//g)"
      ],
      "libraries": [
        "-lopencv_core",
        "-lopencv_imgproc",
        "-lopencv_dnn",
        "-ljpeg",
        "-lopencv_objdetect",
        "-ltesseract",
        "-lgomp"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["<!@(pkg-config --libs-only-L opencv4)"]
    }
  ]
}
