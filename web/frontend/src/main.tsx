import { render } from 'preact';
import './styles/app.css';
import { App } from './App';
import { loadSession } from './auth/session';

loadSession();
render(<App />, document.getElementById('app')!);
