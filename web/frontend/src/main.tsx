import { render } from 'preact';
import './styles/app.css';
import { App } from './App';
import { loadSession } from './auth/session';

// The session check answers at once whether or not the user is signed in; App opens the live
// link once it knows.
loadSession();
render(<App />, document.getElementById('app')!);
