/*
 * The host-view suite's guest: a 64 KiB firmware image (QEMU's -bios) that
 * runs in real mode from the reset vector, with no BIOS before it, so that
 * every port-I/O exit of the VM is one the suite asked for.  It talks to
 * the suite through a mailbox in guest RAM, which the suite maps from the
 * RAM's backing file (no device, no exit):
 *
 *   +0  state   guest: 1 = waiting for go, 2 = done (then HLT forever)
 *   +4  go      suite: 1 = start
 *   +8  reason  suite: exit reason for CPUID leaf 0x4FFFFFFD (port I/O)
 *   +12 count   suite: port writes to do (at least 1)
 *   +16 before  guest: the leaf's answer before the writes
 *   +20 after   guest: the leaf's answer after them
 *
 * Between "go" and "done" the guest does exactly: two CPUIDs and @count
 * OUTs to port 0x80; the spin on "go" and the final HLT take no port I/O.
 */
	.code16
	.set	MAILBOX, 0x1000
	.set	STATE, MAILBOX + 0
	.set	GO, MAILBOX + 4
	.set	REASON, MAILBOX + 8
	.set	COUNT, MAILBOX + 12
	.set	BEFORE, MAILBOX + 16
	.set	AFTER, MAILBOX + 20
	.set	LEAF_REASON_EXITS, 0x4FFFFFFD

	.text
	.globl	start
start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movl	$1, STATE
wait_for_go:
	cmpl	$1, GO
	jne	wait_for_go

	movl	$LEAF_REASON_EXITS, %eax
	movl	REASON, %ecx
	cpuid
	movl	%eax, BEFORE

	movl	COUNT, %ecx
port_writes:
	outb	%al, $0x80
	decl	%ecx
	jnz	port_writes

	movl	$LEAF_REASON_EXITS, %eax
	movl	REASON, %ecx
	cpuid
	movl	%eax, AFTER
	movl	$2, STATE
halted:
	hlt
	jmp	halted

	/* The reset vector: the image's last 16 bytes, at 0xFFFFFFF0. */
	.org	0xfff0
	ljmp	$0xf000, $start
	.org	0x10000
