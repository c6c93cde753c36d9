"""Drop-in shapes of the cloud DNA APIs (Alibaba Cloud ICE and MPS, Tencent Cloud CI) over the native
jobs and libraries services. Nothing here runs jobs or matches media: it parses, calls the native
services and selectors, and shapes the answer (docs/compat.md maps every field)."""
