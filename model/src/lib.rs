//! The Arm SMMUv3 (with Secure state) emulator model.
