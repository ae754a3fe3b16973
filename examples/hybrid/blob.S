/* blob.S — the packed Python code, in the program's read-only data.
 * HYBRID_BLOB_PATH is the blob `pyembed-pack blob` wrote (build.sh). */
    .section .rodata
    .balign 64
    .global hybrid_blob
    .type hybrid_blob, @object
hybrid_blob:
    .incbin HYBRID_BLOB_PATH
    .global hybrid_blob_end
hybrid_blob_end:
    .section .note.GNU-stack, "", @progbits
