import React from 'react';

type Props = {onCrash: (error: unknown) => void; children: React.ReactNode};

/**
Catches an error thrown while drawing, before Ink's own boundary would put its error overview (a stack trace with source lines) on the person's screen. Draws nothing and hands the error to `onCrash`, which ends the app with one line and the internal-error code.
*/
export class CrashBoundary extends React.Component<Props, {crashed: boolean}> {
	static getDerivedStateFromError(): {crashed: boolean} {
		return {crashed: true};
	}

	override state = {crashed: false};

	override componentDidCatch(error: unknown): void {
		this.props.onCrash(error);
	}

	override render(): React.ReactNode {
		return this.state.crashed ? null : this.props.children;
	}
}
