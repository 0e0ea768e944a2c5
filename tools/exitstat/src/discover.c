// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"

#define LEAF_VENDOR		0x00000000u
#define LEAF_FEATURES		0x00000001u
#define LEAF_TSC_CRYSTAL	0x00000015u
#define LEAF_FREQUENCY		0x00000016u
#define LEAF_HV_VENDOR		0x40000000u
#define LEAF_HV_TIMING		0x40000010u
#define HYPERVISOR_BIT		(1u << 31)
/* A reason neither numbering defines, for probing the plain leaves. */
#define PROBE_UNDEFINED_REASON	0xFFFFu

static void regs_to_text(uint32_t a, uint32_t b, uint32_t c, char out[13])
{
	uint32_t words[3] = { a, b, c };
	int i;

	memcpy(out, words, 12);
	out[12] = '\0';
	/* Hypervisors pad with NULs; anything else unprintable is shown as '.'. */
	for (i = 0; i < 12 && out[i]; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			out[i] = '.';
	/* Some pad with spaces ("bhyve bhyve "): not part of the name. */
	while (i > 0 && out[i - 1] == ' ')
		out[--i] = '\0';
}

static enum numbering numbering_from_vendor(const char *vendor)
{
	if (strcmp(vendor, "GenuineIntel") == 0)
		return NUMBERING_VMX;
	if (strcmp(vendor, "AuthenticAMD") == 0 ||
	    strcmp(vendor, "HygonGenuine") == 0)
		return NUMBERING_SVM;
	return NUMBERING_NONE;
}

static uint32_t khz_from_cpuinfo(const char *path)
{
	char line[256];
	double mhz = 0;
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	fclose(f);
	return mhz > 0 && mhz < 1e7 ? (uint32_t)(mhz * 1000 + 0.5) : 0;
}

/*
 * Without the info leaf, the guest's own idea of the TSC frequency: the
 * hypervisor timing leaf (exact), leaf 0x15 (exact when the crystal is
 * enumerated), leaf 0x16 (nominal base frequency) and /proc/cpuinfo (what
 * the guest kernel calibrated; on KVM guests usually the TSC rate).
 */
static void guess_tsc(struct exitstat_backend *be, struct iface *iface)
{
	struct cpuid_regs r;
	uint32_t max_basic, max_hv, khz;

	backend_cpuid(be, LEAF_HV_VENDOR, 0, &r);
	max_hv = r.eax;
	if (max_hv >= LEAF_HV_TIMING && max_hv < LEAF_HV_VENDOR + 0x100) {
		backend_cpuid(be, LEAF_HV_TIMING, 0, &r);
		if (r.eax) {
			iface->tsc_khz = r.eax;
			iface->tsc_source = "cpuid-0x40000010";
			return;
		}
	}
	backend_cpuid(be, LEAF_VENDOR, 0, &r);
	max_basic = r.eax;
	if (max_basic >= LEAF_TSC_CRYSTAL) {
		backend_cpuid(be, LEAF_TSC_CRYSTAL, 0, &r);
		if (r.eax && r.ebx && r.ecx) {
			khz = (uint32_t)((uint64_t)r.ecx * r.ebx / r.eax / 1000);
			if (khz) {
				iface->tsc_khz = khz;
				iface->tsc_source = "cpuid-0x15";
				return;
			}
		}
	}
	if (max_basic >= LEAF_FREQUENCY) {
		backend_cpuid(be, LEAF_FREQUENCY, 0, &r);
		if (r.eax & 0xffff) {
			iface->tsc_khz = (r.eax & 0xffff) * 1000;
			iface->tsc_source = "cpuid-0x16";
			return;
		}
	}
	khz = khz_from_cpuinfo(be->cpuinfo_path);
	if (khz) {
		iface->tsc_khz = khz;
		iface->tsc_source = "cpuinfo";
		return;
	}
	iface->tsc_khz = 0;
	iface->tsc_source = "none";
}

const char *tsc_source_text(const char *source)
{
	if (strcmp(source, "info-leaf") == 0)
		return "host TSC, CPUID 0x4FFFFFFA";
	if (strcmp(source, "cpuid-0x40000010") == 0)
		return "guest TSC, hypervisor timing leaf 0x40000010";
	if (strcmp(source, "cpuid-0x15") == 0)
		return "guest TSC, CPUID 0x15";
	if (strcmp(source, "cpuid-0x16") == 0)
		return "guest base frequency, CPUID 0x16, approximate";
	if (strcmp(source, "cpuinfo") == 0)
		return "guest cpu MHz, /proc/cpuinfo, approximate";
	return "unknown, time columns omitted";
}

/*
 * Implementations of only the four original leaves have no signature; they
 * still answer an undefined reason with EDX = ~0 and a non-zero total (the
 * probe itself exited).  Stock KVM answers zeros or its highest basic leaf.
 */
static bool plain_leaves_answer(struct exitstat_backend *be)
{
	struct cpuid_regs r;

	backend_cpuid(be, abi_leaf_reason_exits, PROBE_UNDEFINED_REASON, &r);
	if (r.edx != abi_undefined || r.eax != 0)
		return false;
	backend_cpuid(be, abi_leaf_total_exits, 0, &r);
	return r.eax != 0;
}

int iface_discover(struct exitstat_backend *be, enum numbering forced,
		   struct iface *out, char *msg, size_t msglen)
{
	struct cpuid_regs r;

	memset(out, 0, sizeof(*out));
	backend_cpuid(be, LEAF_VENDOR, 0, &r);
	regs_to_text(r.ebx, r.edx, r.ecx, out->cpu_vendor);

	backend_cpuid(be, LEAF_FEATURES, 0, &r);
	if (!(r.ecx & HYPERVISOR_BIT)) {
		snprintf(msg, msglen,
			 "not running in a virtual machine (CPUID.1:ECX bit 31, the hypervisor bit, is clear); run exitstat inside a guest of a KVM host with the exit_stats patches");
		return EXIT_UNAVAILABLE;
	}
	backend_cpuid(be, LEAF_HV_VENDOR, 0, &r);
	regs_to_text(r.ebx, r.ecx, r.edx, out->hv_vendor);
	if (!out->hv_vendor[0])
		strcpy(out->hv_vendor, "unknown");

	backend_cpuid(be, abi_leaf_signature, 0, &r);
	out->has_signature = r.ebx == abi_sig_ebx && r.ecx == abi_sig_ecx &&
			     r.edx == abi_sig_edx && r.eax >= 1;
	if (out->has_signature) {
		out->version = r.eax;
		out->wide = true;
		backend_cpuid(be, abi_leaf_info, 0, &r);
		out->numbering = (enum numbering)r.eax;
		out->numbering_source = "info-leaf";
		out->vcpus = r.ecx;
		out->tsc_khz = r.ebx;
		out->tsc_source = "info-leaf";
		if (forced == NUMBERING_NONE &&
		    reason_table_get(out->numbering, &out->table) != 0) {
			snprintf(msg, msglen,
				 "this hypervisor (%s) numbers exit reasons with scheme %u (CPUID 0x4FFFFFFA EAX), which this exitstat does not know (1 = VMX, 2 = SVM); use a newer exitstat or pass --numbering vmx|svm",
				 out->hv_vendor, (unsigned int)r.eax);
			return EXIT_UNAVAILABLE;
		}
		if (!out->tsc_khz)
			guess_tsc(be, out);
	} else {
		if (!plain_leaves_answer(be)) {
			snprintf(msg, msglen,
				 "this hypervisor (%s) does not export exit statistics (CPUID 0x4FFFFFFB signature missing, and leaves 0x4FFFFFFD/0x4FFFFFFF do not answer as the interface requires); run the guest on a host with the exit_stats KVM patches and kvm.exit_stats=1",
				 out->hv_vendor);
			return EXIT_UNAVAILABLE;
		}
		out->numbering = numbering_from_vendor(out->cpu_vendor);
		out->numbering_source = "cpu-vendor";
		if (forced == NUMBERING_NONE &&
		    out->numbering == NUMBERING_NONE) {
			snprintf(msg, msglen,
				 "cannot tell how this hypervisor (%s) numbers exit reasons: no 0x4FFFFFFA info leaf, and CPU vendor \"%s\" is neither GenuineIntel nor AuthenticAMD/HygonGenuine; pass --numbering vmx or --numbering svm",
				 out->hv_vendor, out->cpu_vendor);
			return EXIT_UNAVAILABLE;
		}
		guess_tsc(be, out);
	}
	if (forced != NUMBERING_NONE) {
		out->numbering = forced;
		out->numbering_source = "option";
	}
	if (reason_table_get(out->numbering, &out->table) != 0) {
		snprintf(msg, msglen, "no exit reason table for numbering %d",
			 (int)out->numbering);
		return EXIT_UNAVAILABLE;
	}
	return 0;
}
